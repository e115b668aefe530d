"""Reading files and physical facts: YAML loading, the catalogue, request and rule files, part facts."""
