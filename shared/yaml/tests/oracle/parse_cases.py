import json, random
cases = []
scalars = ["yes","Yes","YES","yEs","no","No","NO","nO","on","On","ON","oN","off","Off","OFF","y","Y","n","N","true","True","TRUE","tRue","false","False","FALSE",
 "~","null","Null","NULL","nULL","","0755","08","0o17","0O17","0x1F","0X1f","0b101","0B101","-0b101","+0b101","1_000","0x_1F","1__0","_1","1_","-1_0",
 "1e3","1E3","1.5e-3","1.","-.5",".5","+.5","._5",".5_5","1e400","-1e400","1e-400",".inf","-.inf","+.inf",".Inf",".INF",".nan",".NaN",".NAN",".iNf",
 "1:20","190:20:30.15","-1:20","2001-12-14","2001-12-14t21:59:43.10-05:00","2001-12-14 21:59:43.10","2001-12-14T21:59:43Z","2002-02-30","2001-1-1",
 "9007199254740993","9223372036854775807","9223372036854775808","18446744073709551615","18446744073709551616","-9223372036854775808","-9223372036854775809",
 "123456789012345678901234567890","0","-0","+0","00","0.0","-0.0","3.0","1e21","1e20","0x8000000000000000","0xFFFFFFFFFFFFFFFF","0x10000000000000000",
 "<<","=","-","+","+1","++1","--1","0x","0b","0o","1e","e1","1.2.3","10.0.0.1","abc","a b","a  b","héllo","😀","'quoted'","\"dq\"","a#b","a #b"]
for s in scalars:
    cases.append("v: " + s + "\n")
    cases.append(s + ": v\n")
for s in scalars:
    cases.append("- " + s + "\n")
quoted = ["'yes'", "\"yes\"", "'0755'", "\"1e3\"", "\"\\x41\\u00e9\\U0001F600\"", "\"\\t\\n\\r\\0\\a\\b\\e\\f\\v\\ \\/\"", "\"a\\\n  b\"", "'it''s'", "\"\\N\\_\\L\\P\"", "\"\\q\"", "\"\\xZZ\"", "\"\\uD800\"",
          "'multi\n  line\n\n  text'", "\"multi\n  line\n\n  text\"", "\"unterminated", "'unterminated"]
for q in quoted:
    cases.append("v: " + q + "\n")
tags = ["!!str 123", "!!int 123", "!!int \"12\"", "!!int abc", "!!int 1.5", "!!float 1", "!!float abc", "!!bool yes", "!!bool 1", "!!null foo", "!!null", "!!str", "!!str ~",
        "!!timestamp 2001-12-14", "!!timestamp foo", "!!binary aGVsbG8=", "!!binary aGVsbG8", "!!binary /w==", "!!binary |\n  aGVs\n  bG8=", "!foo bar", "! 123", "! yes", "!<tag:yaml.org,2002:int> 5",
        "!!map a", "!!seq a", "!!str [a]", "!!null {a: 1}", "!!int", "!!float .inf", "!!merge <<", "!e!foo bar", "!!float 0x10", "!!int 0x10", "!!float 18446744073709551615", "!!int 18446744073709551615"]
for t in tags:
    cases.append("v: " + t + "\n")
docs = [
 "", "\n", "   \n", "# c\n", "---\n", "---\n...\n", "a: 1\n---\nb: 2\n", "a: 1\n---\nb: [\n", "--- a\n", "--- |\n  x\n", "...\n", "%YAML 1.1\n---\na: 1\n", "%YAML 1.2\n---\na: 1\n", "%YAML 1.1\n%YAML 1.1\n---\n",
 "%TAG !e! tag:example.com,2000:\n---\nv: !e!foo bar\n", "%FOO bar\n---\na: 1\n", "a: 1\n...\n", "a:\n  b:\n    c: 1\n  d: [1, 2, {e: f}]\n",
 "a: b: c", "a: b: c\n", "a: 1\nb: c: d\n", "a:\n  - b\n  c: d\n", "a:\n- b\n- c\n", "a:\n  b: 1\n c: 2\n", "a:\n  b: 1\n   c: 2\n", "- a\nb: c\n", "a: [1, 2\n", "a: {b: 1\n", "a: [1, 2}\n", "a: {b: 1]\n",
 "a: 'x\n", "a: \"x\n", "a: @x\n", "a: `x\n", "a: %x\n", "\ta: 1\n", "a:\n\t- 1\n", "a: 1\n\tb: 2\n", "a: |\n\tx\n", "a: |\n  x\n\ty\n", "a: b\n  c\n", "a: b\nc\n", "a\nb: c\n", "key with spaces: v\n",
 "? a\n: b\n", "? [a, b]\n: c\n", "? {a: b}\n: c\n", "[a, b]: c\n", "{a: b}: c\n", "a: &x 1\nb: *x\n", "a: *x\n", "a: &x [1, *x]\n", "&a a: &b b\n*a : *b\n", "a: &x\n  b: 1\nc: *x\n",
 "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n", "base: &b {x: 1, y: 2}\nm:\n  y: 3\n  <<: *b\n", "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nm:\n  <<: [*a, *b]\n", "m:\n  <<: {a: 1}\n", "m:\n  <<: [{a: 1}, {a: 2, b: 2}]\n",
 "m:\n  <<: 1\n", "m:\n  <<: [1]\n", "a: &s str\nm:\n  <<: *s\n", "m:\n  '<<': 1\n", "m:\n  !!merge <<: {a: 1}\n", "v: <<\n", "m:\n  <<: ~\n", "l: &l [1]\nm:\n  <<: *l\n", "a: &a {b: 1}\nm:\n  <<: [*a, *a]\n",
 "a: 1\na: 2\n", "1: a\n01: b\n", "1.5: a\n", "0.1: a\n", "1e10: a\n", "123456789.0: a\n", ".inf: a\n", "-.inf: a\n", ".nan: a\n", "true: a\nyes: b\n", "null: a\n", "~: a\n", "18446744073709551615: a\n", "[1]: a\n", "{a: 1}: b\n", "? [1]\n: a\n",
 "a: |\n  line1\n  line2\n", "a: |-\n  x\n", "a: |+\n  x\n\n", "a: >\n  folded\n  text\n\n  para\n", "a: >-\n  x\n   y\n  z\n", "a: |2\n   x\n", "a: |0\n x\n", "a: |10\n x\n", "a: |-2\n   x\n", "a: | # c\n  x\n", "a: |x\n", "a: |\n",
 "a: |\n  x\n b: 1\n", "- |\n  x\n- y\n", "a: >\n\n  x\n", "a:\n  - [a, b]\n  - {c: d}\n", "[a, [b, [c]]]\n", "{a: {b: {c: d}}}\n", "[a: b, c]\n", "[? a : b]\n", "{a, b: c}\n", "{? a}\n", "[a, , b]\n", "{a: 1,, b: 2}\n", "[,]\n", "{,}\n",
 "a: [b, c]d\n", "a: 'b'c\n", "a: \"b\"c\n", "- - a\n  - b\n- c\n", "-\n  a: 1\n", "- a: 1\n  b: 2\n", "-a\n", "--- >\n  folded\n", "a: -\n", "a: - b\n", "a: ? b\n", "a: b # comment\n", "a: b#c\n", "a: 'b' # c\n", "#only\n#comments\n",
 "a:\n\n\n  b: 1\n", "a: 1\r\nb: 2\r\n", "a: 1\rb: 2\r", "a: x\u0085b: 1\n", "a: x\u2028y\n", "\ufeffa: 1\n", "a: \ufeffb\n", "a: b\x01\n", "a: b\x7f\n", "a: \x00\n", "a: \"\x01\"\n", "a: b\ufffe\n",
 "a: " + "x" * 2000 + "\n", "k" * 1100 + ": v\n", "{" + "k" * 1100 + ": v}\n", "a: 'a\n  b\n  c'\n", "a: x\n  y\n  z\n", "a:\n  x\n  y\n", "- x\n  y\n", "a: &anchor\n", "a: !!str\n", "a: &x !!str b\n", "a: !!str &x b\n", "a: *\n", "a: &\n", "a: ! \n", "a: !<x\n",
 "* a\n", "& a\n", "a: b\n- c\n", "- a\n- b\n  c: d\n", "a:\n  - b\n  -c\n", "a: [b\n  , c]\n", "a: {b: c\n  , d: e}\n", "[a\n]\n", "a: [b,\nc]\n", "a:\n  b: [c,\n  d]\n", "? a\n? b\n", "? a\n: b\n: c\n", ": a\n", "a:\n  : b\n",
 "'a': b\n", "\"a\": b\n", "'a'\n: b\n", "a: 'b': c\n", "a\n: b\n", "{a: b}\n{c: d}\n", "[a]\n[b]\n", "a: b\n---\nc\n", "a\n---\nb\n", "--- a\n--- b\n", "a: 1\n--- \nb\n", "---a: 1\n", "--- # c\na: 1\n", "...a\n", "a: ...\n", "a: ---\n", "'a\n---\nb'\n", "\"a\n...\n\"\n",
]
cases += docs
# nesting
cases.append("a: " + "[" * 50 + "]" * 50 + "\n")
pass
cases.append("a: " + "{a: " * 30 + "1" + "}" * 30 + "\n")
deep = ""
for i in range(60):
    deep += "  " * i + "k%d:\n" % i
deep += "  " * 60 + "v\n"
cases.append(deep)
# alias bomb
bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
prev = "a"
for n in "bcdefghi":
    bomb += "%s: &%s [%s]\n" % (n, n, ",".join(["*" + prev] * 9))
    prev = n
cases.append(bomb)
small = "a: &a [1,2]\n" + "".join("k%d: *a\n" % i for i in range(200))
cases.append(small)
# control char after 600 bytes, with a syntax error before it
cases.append("a: b: c\n" + "x: " + "y" * 600 + "\n" + "z: \x01\n")
cases.append("a: b: c\n" + "x: " + "y" * 100 + "\n" + "z: \x01\n")
cases.append("a: 1\n" * 200 + "bad: [\n" + "z: \x01\n")
cases.append("é" * 300 + ": x\x01\n")
random.seed(7)
json.dump(cases, open("/work/oracle/gen/parse.json", "w"))
print(len(cases))
