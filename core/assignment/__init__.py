"""Exact assignment of participants to themes and groups (see docs/assignment.md)."""

from core.assignment.codec import (
    result_from_dict,
    result_to_dict,
    solution_from_dict,
    solution_to_dict,
)
from core.assignment.instance import input_hash, parse_instance, solve_dict
from core.assignment.model import (
    Assignment,
    Explanation,
    Gap,
    Group,
    Instance,
    InvalidInstance,
    Participant,
    RunResult,
    Solution,
    Theme,
    Unassigned,
    WhyNot,
)
from core.assignment.solver import solve

__all__ = [
    "Assignment",
    "Explanation",
    "Gap",
    "Group",
    "Instance",
    "InvalidInstance",
    "Participant",
    "RunResult",
    "Solution",
    "Theme",
    "Unassigned",
    "WhyNot",
    "input_hash",
    "parse_instance",
    "result_from_dict",
    "result_to_dict",
    "solution_from_dict",
    "solution_to_dict",
    "solve",
    "solve_dict",
]
