"""Staff register a municipality at the command line without a job title."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.test_cli import run  # noqa: F401  (the fixture)


def test_staff_submit_a_registration_without_a_job_title(run: Any) -> None:  # noqa: F811
    done = run(
        "registrations", "submit", "--municipality", "Gent", "--contact-name", "An Peeters",
        "--contact-email", "an.peeters@stad.gent", "--preferences", "9,11,3", "--json",
    )  # fmt: skip
    assert json.loads(done.stdout)["outcome"] in {"accepted", "updated"}
    listed = json.loads(run("registrations", "list", "--format", "json").stdout)
    assert [r["municipality"]["name"] for r in listed] == ["Gent"]
