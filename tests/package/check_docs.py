#!/usr/bin/env python3
"""Checks, without installing anything, that the packaging's sources agree with each other and the binary.

    check_docs.py SOURCE_DIR BOOTSTRAP

- every long option of `BOOTSTRAP --help` is in the man page source and in both shell completions;
- every configuration under packaging/ parses (YAML, TOML; rsyslog's are run by package.rsyslog), and
  docs/fleet.md shows each one verbatim, so that what the page says is what the package ships;
- the Prometheus configuration scrapes job `bootstrap` at 127.0.0.1:9469 every 15 s, as the unit serves it.
"""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

CONFIGS = ["prometheus.yml", "fluent-bit.yaml", "vector.toml", "otelcol.yaml", "rsyslog-bootstrap.conf",
           "rsyslog-central.conf"]


def long_options(help_text):
    # Option lines start with "-x," or "--name"; "--password=..." inside a description does not count.
    return sorted(set(re.findall(r"(?:^|[ ,])(--[a-z][a-z-]+)", help_text, re.MULTILINE)))


def main():
    source, binary = Path(sys.argv[1]), sys.argv[2]
    problems = []

    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    options = long_options(help_text)
    if len(options) < 20:
        problems.append(f"found only {len(options)} long options in --help")
    for name in ["docs/bootstrap.1.scd", "packaging/bootstrap.bash", "packaging/_bootstrap"]:
        text = (source / name).read_text()
        # scdoc escapes nothing in an option name; the completions list each as a word of their own.
        problems += [f"{name} lacks {option}" for option in options
                     if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text)]

    fleet = (source / "docs/fleet.md").read_text()
    for name in CONFIGS:
        text = (source / "packaging" / name).read_text()
        try:
            if name.endswith(".toml"):
                parsed = tomllib.loads(text)
            elif name.endswith((".yaml", ".yml")):
                parsed = yaml.safe_load(text)
        except (yaml.YAMLError, tomllib.TOMLDecodeError) as error:
            problems.append(f"packaging/{name} does not parse: {error}")
            continue
        if "\n" + text.rstrip("\n") + "\n```" not in fleet:
            problems.append(f"docs/fleet.md does not show packaging/{name} as it is")
        if name == "prometheus.yml":
            jobs = {job["job_name"]: job for job in parsed["scrape_configs"]}
            job = jobs.get("bootstrap", {})
            targets = [t for config in job.get("static_configs", []) for t in config["targets"]]
            if targets != ["127.0.0.1:9469"] or job.get("scrape_interval") != "15s":
                problems.append("packaging/prometheus.yml: job bootstrap is not 127.0.0.1:9469 every 15s")

    for problem in problems:
        print("FAIL:", problem)
    if not problems:
        print(f"PASS: {len(options)} long options documented and completed; {len(CONFIGS)} configurations parse "
              "and appear in docs/fleet.md")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
