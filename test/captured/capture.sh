#!/usr/bin/env bash
# Regenerates the captured tool outputs in this folder from the REAL tools.
# The tools not shipped as npm devDependencies (jest, pytest, cargo, go, gcc, clang) must be on PATH;
# on Debian: apt-get install golang-go clang; jest is installed into a temp folder from the npm registry.
# Outputs are written verbatim (absolute temp paths included) so parsers see what CI logs contain.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cap() { local name=$1; shift; (cd "$dir" && "$@" >"$here/$name.txt" 2>&1) || true; }

# --- jest (with ANSI colours forced on, as GitHub logs show them)
dir=$work/jest; mkdir -p "$dir" && cd "$dir"
npm init -y >/dev/null && npm i -D jest@30 >/dev/null 2>&1
cat > sum.js <<'JS'
module.exports = (a, b) => a - b;
JS
cat > sum.test.js <<'JS'
const sum = require('./sum');
describe('sum', () => {
  test('adds two numbers', () => {
    expect(sum(1, 2)).toBe(3);
  });
  test('passes', () => { expect(1).toBe(1); });
});
test('throws a multi-line error', () => {
  throw new Error('first line\nsecond line');
});
JS
cap jest npx jest
cap jest-color npx jest --colors

# --- pytest
dir=$work/py; mkdir -p "$dir/tests" && cd "$dir"
printf 'def add(a, b):\n    return a - b\n' > calc.py
printf 'from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n\ndef test_ok():\n    assert add(2, 0) == 2\n\ndef test_name():\n    assert undefined_name == 1\n' > tests/test_calc.py
printf 'import nonexistent_module\n\ndef test_x():\n    pass\n' > tests/test_broken.py
printf '[tool.pytest.ini_options]\npythonpath = ["."]\n' > pyproject.toml
cap pytest-collect-error python3 -m pytest -q
rm tests/test_broken.py
cap pytest python3 -m pytest -q
cap pytest-verbose python3 -m pytest

# --- cargo / rustc
dir=$work/rs; mkdir -p "$dir/src" && cd "$dir"
printf '[package]\nname = "calc"\nversion = "0.1.0"\nedition = "2021"\n' > Cargo.toml
printf 'fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\nfn main() {\n    let total = add(1, 2);\n    let unused = 3;\n    println!("{}", totl);\n    let s: String = 5;\n}\n' > src/main.rs
cap cargo-build cargo build --color never
printf 'pub fn add(a: i32, b: i32) -> i32 {\n    a - b\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn adds() {\n        assert_eq!(add(1, 2), 3);\n    }\n}\n' > src/lib.rs
rm src/main.rs
cap cargo-test cargo test --color never

# --- go
dir=$work/go; mkdir -p "$dir" && cd "$dir"
printf 'module example.com/calc\n\ngo 1.19\n' > go.mod
printf 'package calc\n\nimport "fmt"\n\nfunc Add(a, b int) int {\n\treturn a - b\n}\n\nfunc Show() {\n\tfmt.Printf("%%d\\n", "text")\n}\n' > calc.go
printf 'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif got := Add(1, 2); got != 3 {\n\t\tt.Errorf("Add(1, 2) = %%d, want 3", got)\n\t}\n}\n' > calc_test.go
cap go-vet go vet ./...
printf 'package calc\n\nfunc Add(a, b int) int {\n\treturn a - b\n}\n' > calc.go
cap go-test go test ./...
printf 'package calc\n\nfunc Add(a, b int) int {\n\treturn a + c\n}\n\nfunc Sub(a, b int) string {\n\treturn a - b\n}\n' > calc.go
rm calc_test.go
cap go-build go build ./...

# --- gcc / clang
dir=$work/c; mkdir -p "$dir" && cd "$dir"
printf '#include <stdio.h>\n\nint add(int a, int b) {\n    return a + c;\n}\n\nint main(void) {\n    int unused;\n    printf("%%d\\n", add(1, 2))\n    return 0;\n}\n' > main.c
cap gcc gcc -Wall -c main.c -o main.o
cap clang clang -Wall -c main.c -o main.o

echo "captured into $here"
