"""``jobsched workflows apply FILE`` (issue 23): a definition file (YAML or JSON)
creates its workflow by name, a second apply changes nothing and says so, an edited file
updates it and says what changed; the example ETL night applies as shipped."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.integration import test_api, test_cli_keys
from tests.integration.engine import Engine
from tests.integration.test_api import Api
from tests.integration.test_cli_parity import Cli, cli

api = test_api.api
api_url = test_cli_keys.api_url
__all__ = ["cli"]

ETL = Path(__file__).parents[2] / "examples" / "workflows" / "etl.yaml"


def test_the_etl_example_applies_once_and_a_second_apply_changes_nothing(
    cli: Cli, api: Api, engine: Engine
) -> None:
    code, out, err = cli.run("workflows", "apply", str(ETL))
    assert code == 0, err
    assert out.startswith("created workflow 'etl-night' (version 1)")
    (wf,) = api.ok("GET", "/workflows?name=etl-night")["items"]
    assert [s["id"] for s in wf["steps"]] == [
        "extract",
        "transform-orders",
        "transform-customers",
        "load",
        "page-on-call",
    ]
    assert wf["steps"][1]["after"] == wf["steps"][2]["after"] == ["extract"]
    assert (wf["schedule"], wf["timezone"], wf["next_run_time"] is not None) == (
        "0 2 * * *",
        "Europe/Paris",
        True,
    )

    code, out, _ = cli.run("workflows", "apply", str(ETL))
    assert code == 0
    assert out.strip() == "workflow 'etl-night' unchanged (version 1)"
    again = cli.json("workflows", "apply", str(ETL))
    assert (again["action"], again["changed"], again["workflow"]["version"]) == ("unchanged", [], 1)
    assert api.ok("GET", f"/workflows/{wf['id']}")["version"] == 1


def test_an_edited_file_updates_the_workflow_and_says_what_changed(
    cli: Cli, api: Api, tmp_path: Path
) -> None:
    definition = yaml.safe_load(ETL.read_text())
    cli.run("workflows", "apply", str(ETL))
    definition["schedule"] = "30 1 * * *"
    del definition["overlap_policy"]  # left out of the file: back to its default
    definition["steps"][3]["max_retries"] = 5
    definition["steps"].append(
        {"id": "report", "handler": "test.echo", "after": ["load"], "when": "always"}
    )
    edited = tmp_path / "etl.json"  # JSON is YAML too
    edited.write_text(json.dumps(definition))
    code, out, err = cli.run("workflows", "apply", str(edited))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "updated workflow 'etl-night' to version 2"
    assert "  schedule: '0 2 * * *' -> '30 1 * * *'" in lines
    assert "  overlap_policy: 'skip' -> 'allow'" in lines
    assert "  steps: added report; changed load" in lines
    (wf,) = api.ok("GET", "/workflows?name=etl-night")["items"]
    assert (wf["version"], wf["schedule"], wf["steps"][3]["max_retries"]) == (2, "30 1 * * *", 5)
    assert wf["overlap_policy"] == "allow"


def test_a_bad_file_is_refused_naming_the_problem(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    code, _, err = cli.run("workflows", "apply", str(bad))
    assert code == 2 and "bad.yaml" in err
    nameless = tmp_path / "nameless.yaml"
    nameless.write_text("steps: []\n")
    code, _, err = cli.run("workflows", "apply", str(nameless))
    assert code == 2 and "name" in err
    cyclic = tmp_path / "cyclic.yaml"
    cyclic.write_text(
        "name: loop\nsteps:\n  - {id: a, handler: test.echo, after: [b]}\n"
        "  - {id: b, handler: test.echo, after: [a]}\n"
    )
    code, _, err = cli.run("workflows", "apply", str(cyclic))
    assert code == 2 and "cycle" in err
