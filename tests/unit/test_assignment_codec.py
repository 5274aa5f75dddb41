"""The solver's answer at its edges: the text `solve --json` prints and the stored run."""

from __future__ import annotations

import json

from core.assignment import (
    Instance,
    Participant,
    RunResult,
    Theme,
    input_hash,
    result_from_dict,
    result_to_dict,
    solution_to_dict,
    solve,
)
from core.assignment.codec import answer_json

# Ids as hostile as JSON allows: quotes, backslashes, control characters, non-ASCII, the
# line separators JavaScript chokes on, and text that looks like the output's own layout.
ODD_IDS = ('Zé "q" \\ x', "tab\there\nline", "\u2028\u2029 é 漢", '}, {\n  "x": 1', "plain")


def instance() -> Instance:
    themes = (Theme(1, 2, 3, 1), Theme(2, 1, 2, 1), Theme(3, 3, 3, 1))
    people = tuple(
        Participant(pid, (1, 2, 3) if i % 2 else (2, 1), province="Liège" if i % 3 else None)
        for i, pid in enumerate(ODD_IDS)
    )
    return Instance(themes, people, previous={ODD_IDS[0]: 2})


def test_the_printed_answer_is_what_json_itself_would_print() -> None:
    problem = instance()
    solution = solve(problem)
    assert any(e.why_not for e in solution.explanations), "some entries explain something"
    expected = {**solution_to_dict(solution), "input_hash": input_hash(problem)}
    text = answer_json(solution, input_hash(problem))
    assert text == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    assert {a["participant"] for a in json.loads(text)["assignments"]} <= set(ODD_IDS)


def test_a_stored_result_reads_back_as_the_same_typed_answer() -> None:
    problem = instance()
    solution = solve(problem)
    result = RunResult(solution, preferences={p.id: p.preferences for p in problem.participants})
    stored = json.loads(json.dumps(result_to_dict(result)))  # as the database gives it back
    again = result_from_dict(stored)
    assert again.solution.assignments == solution.assignments
    assert again.solution.explanations == solution.explanations
    assert again.solution.groups == solution.groups  # members come back from the assignments
    assert again.solution.moved == solution.moved and again.preferences == result.preferences
    assert result_to_dict(again) == stored
