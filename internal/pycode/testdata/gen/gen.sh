#!/bin/sh
# Regenerates the fixtures of internal/pycode/testdata under every installed
# CPython (pyenv). Fixture generation only: tests never run Python.
set -eu
cd "$(dirname "$0")/.."
for v in 2.7.18 3.6.15 3.7.16 3.8.18 3.9.18 3.10.13 3.11.7 3.12.1 3.13.0; do
  py="$HOME/.pyenv/versions/$v/bin/python"
  short=$(echo "$v" | cut -d. -f1,2)
  "$py" gen/lambdas.py > "lambdas/$short.json"
done
for v in 3.6.15 3.11.7 3.13.0; do
  short=$(echo "$v" | cut -d. -f1,2)
  "$HOME/.pyenv/versions/$v/bin/python" gen/base64cases.py > "base64/$short.json"
done
