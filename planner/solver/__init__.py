"""Everything that runs CP-SAT: solve, extract builds, explain infeasibility, frontier, whole systems."""
