"""rig-planner: plan LLM inference machines from real parts with CP-SAT and a calibrated throughput model."""
