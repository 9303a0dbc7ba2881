"""Built-in commands against GNU coreutils 9 / grep 3 / sed 4 output
(expected texts captured from the real tools)."""
from __future__ import annotations

import pytest

from lab.sim.shell.session import ShellSession
from lab.sim.shell.testing import FakeWorld

FILES = {
    "f.txt": "apple\nbanana\nApple pie\ncherry\nbanana\nbanana\n",
    "nums": "10\n9\n100\n-1\n2.5\n",
    "svc.yaml": "apiVersion: v1\nkind: Service\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 30080\n",
    "cols": "a:b:c\nd:e:f\nnocolon\n",
    "ws": "  one two\tthree  \n\nfour\n",
    "nonl": "x\ny",
}


@pytest.fixture
def sh():
    world = FakeWorld()
    s = ShellSession(world, "kube-node01")  # gives the fs the world's clock
    fs = world.hosts["kube-node01"].fs
    fs.mkdir("/root/w")
    for name, text in FILES.items():
        fs.write("/root/w/" + name, text)
    fs.mkdir("/root/w/sub")
    s.run("cd /root/w")
    return s


def run(sh, line):
    r = sh.run(line)
    return r.stdout, r.stderr, r.status


def test_echo_and_printf(sh):
    assert run(sh, "echo -n hi; echo -e 'a\\tb\\n'; echo -E 'a\\tb'; echo -nx") == \
        ("hia\tb\n\na\\tb\n-nx\n", "", 0)
    assert run(sh, "printf '%s-%d\\n' a 1 b 2 c; printf '%5s|%-5s|%05d\\n' ab cd 42") == \
        ("a-1\nb-2\nc-0\n   ab|cd   |00042\n", "", 0)
    assert run(sh, "printf '%d\\n' abc") == ("0\n", "bash: printf: abc: invalid number\n", 1)


def test_test_and_brackets(sh):
    assert run(sh, '[ 1 -eq 1 ] && echo eq; [ a = b ] || echo ne; [ -z "" ] && echo z; '
                   '[ -n "" ] || echo n; test -d sub && echo dir; [ ! -f nofile ] && echo nofile')[0] == \
        "eq\nne\nz\nn\ndir\nnofile\n"
    assert run(sh, "[ 1 -lt ]; echo $?; [ a -eq 1 ]; echo $?; [ a; echo $?; [ a b c ]; echo $?") == (
        "2\n2\n2\n2\n",
        "bash: [: 1: unary operator expected\nbash: [: a: integer expression expected\n"
        "bash: [: missing `]'\nbash: [: b: binary operator expected\n", 0)
    assert run(sh, 'test; echo $?; test x; echo $?; [ ]; echo $?; [ "" ]; echo $?; '
                   '[ -e sub -a -d sub ]; echo $?; [ 2 -gt 1 -o 1 -gt 2 ]; echo $?')[0] == "1\n0\n1\n1\n0\n0\n"


def test_cd_pwd_and_errors(sh):
    assert run(sh, "cd nodir; cd f.txt; echo $?") == (
        "1\n", "bash: cd: nodir: No such file or directory\nbash: cd: f.txt: Not a directory\n", 0)
    assert run(sh, "cd sub; cd -; pwd") == ("/root/w\n/root/w\n", "", 0)
    assert run(sh, "cd; pwd; cd ~/w; echo $PWD $OLDPWD") == ("/root\n/root/w /root\n", "", 0)


def test_export_env_unset(sh):
    assert run(sh, "A=1; export B=2; env | grep -E '^(A|B)='; C=3 env | grep '^C='; echo ${C:-none}")[0] == \
        "B=2\nC=3\nnone\n"
    assert run(sh, "export Z=1; export -n Z; env | grep -c '^Z='")[0] == "0\n"
    assert run(sh, "export 1a=2") == ("", "bash: export: `1a=2': not a valid identifier\n", 1)
    assert 'declare -x HOME="/root"\n' in run(sh, "export -p")[0]


def test_cat_and_errors(sh):
    assert run(sh, "cat nonl cols") == ("x\nya:b:c\nd:e:f\nnocolon\n", "", 0)
    assert run(sh, "cat nofile; cat /etc") == (
        "", "cat: nofile: No such file or directory\ncat: /etc: Is a directory\n", 1)
    assert run(sh, "echo a | cat - nums | head -3")[0] == "a\n10\n9\n"
    assert run(sh, "cat -n nums")[0] == "     1\t10\n     2\t9\n     3\t100\n     4\t-1\n     5\t2.5\n"


def test_ls_plain_long_and_missing(sh):
    r = sh.run("ls | cat; ls -a | head -3; ls nofile")
    assert r.stdout == "cols\nf.txt\nnonl\nnums\nsub\nsvc.yaml\nws\n.\n..\ncols\n"
    assert r.stderr == "ls: cannot access 'nofile': No such file or directory\n"
    assert r.status == 2
    # on the terminal ls prints columns the way GNU ls does for 80 columns
    assert run(sh, "ls")[0] == "cols  f.txt  nonl  nums  sub  svc.yaml\tws\n"
    assert run(sh, "ls -l sub nums") == (
        "-rw-r--r-- 1 root root 16 Jan  9 02:11 nums\n\nsub:\ntotal 0\n", "", 0)
    assert run(sh, "ls -l | head -3")[0] == (
        "total 28\n-rw-r--r-- 1 root root   20 Jan  9 02:11 cols\n"
        "-rw-r--r-- 1 root root   44 Jan  9 02:11 f.txt\n")


def test_ls_columns_match_gnu_layout(sh):
    names = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron "
             "pi rho sigma tau upsilon phi chi psi omega anaconda-ks.cfg")
    sh.run(f"mkdir many; cd many; touch {names}")
    # captured from `LC_ALL=C ls -C -w 80` (GNU coreutils 9.1)
    assert run(sh, "ls -C")[0] == (
        "alpha\t\t chi\t  eta\t kappa\t nu\t  phi  rho    theta    zeta\n"
        "anaconda-ks.cfg  delta\t  gamma  lambda  omega\t  pi   sigma  upsilon\n"
        "beta\t\t epsilon  iota\t mu\t omicron  psi  tau    xi\n")


def test_file_operations(sh):
    assert run(sh, "mkdir sub; echo $?; mkdir -p sub/a/b; ls sub | cat; mkdir x/y; rmdir sub; echo $?") == (
        "1\na\n1\n",
        "mkdir: cannot create directory \u2018sub\u2019: File exists\n"
        "mkdir: cannot create directory \u2018x/y\u2019: No such file or directory\n"
        "rmdir: failed to remove 'sub': Directory not empty\n", 0)
    assert run(sh, "rm nofile; rm -f nofile; echo $?; rm sub; rm -r sub; ls | cat; touch new; cp f.txt g; "
                   "cat g | head -1; mv g h; ls h g") == (
        "0\ncols\nf.txt\nnonl\nnums\nsvc.yaml\nws\napple\nh\n",
        "rm: cannot remove 'nofile': No such file or directory\n"
        "rm: cannot remove 'sub': Is a directory\n"
        "ls: cannot access 'g': No such file or directory\n", 2)


def test_cp_mv_usage_and_dirs(sh):
    assert run(sh, "cp sub x; cp -r sub y; ls -d y; cp nofile z; mv nofile z; cp; mv f.txt") == (
        "y\n",
        "cp: -r not specified; omitting directory 'sub'\n"
        "cp: cannot stat 'nofile': No such file or directory\n"
        "mv: cannot stat 'nofile': No such file or directory\n"
        "cp: missing file operand\nTry 'cp --help' for more information.\n"
        "mv: missing destination file operand after 'f.txt'\nTry 'mv --help' for more information.\n", 1)
    sh.run("mv nums sub")
    assert sh.fs.read("/root/w/sub/nums") == FILES["nums"]


def test_tee_basename_dirname(sh):
    assert run(sh, "echo hi | tee t1 t2; cat t1 t2; echo more | tee -a t1 >/dev/null; cat t1")[0] == \
        "hi\nhi\nhi\nhi\nmore\n"
    assert run(sh, "basename /a/b/c.yaml; basename /a/b/c.yaml .yaml; basename /; dirname /a/b/c; "
                   "dirname c; dirname /c; dirname a/b/")[0] == "c.yaml\nc\n/\n/a/b\n.\n/\na\n"


def test_grep_flags(sh):
    assert run(sh, "grep banana f.txt; grep -c banana f.txt; grep -v banana f.txt; grep -i apple f.txt; "
                   "grep -n an f.txt")[0] == (
        "banana\nbanana\nbanana\n3\napple\nApple pie\ncherry\napple\nApple pie\n"
        "2:banana\n5:banana\n6:banana\n")
    assert run(sh, "grep -o 'an' f.txt; grep -w app f.txt; echo $?; grep -E 'ap+le|cherry' f.txt; "
                   "grep 'b\\(an\\)\\+a' f.txt")[0] == (
        "an\nan\nan\nan\nan\nan\n1\napple\ncherry\nbanana\nbanana\nbanana\n")
    assert run(sh, "grep -A1 apple f.txt; echo --; grep -B1 cherry f.txt; grep -C1 pie f.txt")[0] == (
        "apple\nbanana\n--\nApple pie\ncherry\nbanana\nApple pie\ncherry\n")
    assert run(sh, "grep an f.txt cols; grep -l an f.txt nums; grep -q an f.txt && echo found")[0] == (
        "f.txt:banana\nf.txt:banana\nf.txt:banana\nf.txt\nfound\n")
    assert run(sh, "grep x nofile; echo $?; grep; echo $?") == (
        "2\n2\n", "grep: nofile: No such file or directory\n"
                  "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n", 0)
    assert run(sh, "grep -rn 30080 .")[0] == "./svc.yaml:7:    nodePort: 30080\n"


def test_sed_substitute_print_delete(sh):
    assert run(sh, "sed 's/banana/BANANA/' f.txt | head -2; sed -n 2p f.txt; sed -n '2,3p' f.txt; sed '2d' f.txt | head -2")[0] == \
        "apple\nBANANA\nbanana\nbanana\nApple pie\napple\nApple pie\n"
    assert run(sh, "sed -n '/apple/p' f.txt; sed 's|: |=|' svc.yaml | head -2; sed '$d' nums")[0] == \
        "apple\napiVersion=v1\nkind=Service\n10\n9\n100\n-1\n"
    assert run(sh, "sed 's/\\(an\\)\\(an\\)/[\\2\\1]/' f.txt | sed -n 2p; sed -E 's/(a)(p+)/\\2\\1/' f.txt | head -1; "
                   "echo banana | sed 's/a/&&/g'; sed -n '1~2p' nums; sed '2,+1d' nums")[0] == \
        "b[anan]a\nppale\nbaanaanaa\n10\n100\n2.5\n10\n-1\n2.5\n"
    assert run(sh, "sed -n '/banana/{p;q}' f.txt; sed 's/.*/\\U&/' cols | head -1; sed 's#/#_#g' <<< a/b/c")[0] == \
        "banana\nA:B:C\na_b_c\n"


def test_sed_in_place_like_the_apiserver_tutorial(sh):
    sh.fs.write("/root/w/kube-apiserver.yaml", "    - --service-node-port-range=30000-32767\n")
    assert run(sh, "sed -i 's/30000-32767/8000-32767/' kube-apiserver.yaml") == ("", "", 0)
    assert sh.fs.read("/root/w/kube-apiserver.yaml") == "    - --service-node-port-range=8000-32767\n"
    assert run(sh, "sed -i.bak 's/80/81/g' svc.yaml; head -1 svc.yaml.bak; grep 81 svc.yaml")[0] == \
        "apiVersion: v1\n  - port: 81\n    nodePort: 30081\n"


def test_sed_text_commands_missing_newline_and_errors(sh):
    assert run(sh, "sed '1i\\\nheader' nums | head -2; sed '1a tail' nums | head -2; sed = nums | head -2")[0] == \
        "header\n10\n10\ntail\n1\n10\n"
    assert run(sh, "sed -n '$p' nonl; echo; sed 's/x/X/' nonl")[0] == "y\nX\ny"
    assert run(sh, "sed 'k' f.txt; echo $?; sed 's/a/b' f.txt; echo $?") == (
        "1\n1\n", "sed: -e expression #1, char 1: unknown command: `k'\n"
                  "sed: -e expression #1, char 5: unterminated `s' command\n", 0)


def test_sort_uniq_pipeline(sh):
    assert run(sh, "sort -n nums; sort -rn nums")[0] == "-1\n2.5\n9\n10\n100\n100\n10\n9\n2.5\n-1\n"
    assert run(sh, "cat f.txt | grep an | sort | uniq -c")[0] == "      3 banana\n"
    assert run(sh, "uniq -c f.txt")[0] == "      1 apple\n      1 banana\n      1 Apple pie\n      1 cherry\n      2 banana\n"
    assert run(sh, "sort -t: -k2 cols; printf '3\\n1\\n2\\n1\\n' | sort -nu")[0] == "nocolon\na:b:c\nd:e:f\n1\n2\n3\n"
    assert run(sh, "sort -k2 -n <<END\nb 10\na 9\nc 100\nEND")[0] == "a 9\nb 10\nc 100\n"
    # SIMPLIFICATION check: en_US-like collation puts lower case first on ties
    assert run(sh, "printf 'b\\nB\\na\\n' | sort")[0] == "a\nb\nB\n"


def test_head_tail(sh):
    assert run(sh, "head -2 f.txt; head -n 1 nums; tail -2 f.txt; tail -n +5 f.txt; head -n -4 f.txt; "
                   "tail -n 1 nonl; echo")[0] == \
        "apple\nbanana\n10\nbanana\nbanana\nbanana\nbanana\napple\nbanana\ny\n"
    assert run(sh, "head -n 1 f.txt nums")[0] == "==> f.txt <==\napple\n\n==> nums <==\n10\n"
    assert run(sh, "head nofile") == ("", "head: cannot open 'nofile' for reading: No such file or directory\n", 1)
    assert run(sh, "head -n x f.txt") == ("", "head: invalid number of lines: 'x'\n", 1)


def test_wc_gnu_widths(sh):
    assert run(sh, "wc f.txt; wc -l f.txt; wc -w < f.txt; cat f.txt | wc -l; wc f.txt nums; "
                   "wc -c nonl; cat nums | wc")[0] == (
        " 6  7 44 f.txt\n6 f.txt\n7\n6\n 6  7 44 f.txt\n 5  5 16 nums\n11 12 60 total\n"
        "3 nonl\n      5       5      16\n")
    assert run(sh, "wc -l nofile f.txt") == (
        " 6 f.txt\n 6 total\n", "wc: nofile: No such file or directory\n", 1)


def test_cut_tr_seq_xargs(sh):
    assert run(sh, "cut -d: -f2 cols; cut -d: -f1,3 cols; cut -c1-3 nums; cut -s -d: -f1 cols")[0] == \
        "b\ne\nnocolon\na:c\nd:f\nnocolon\n10\n9\n100\n-1\n2.5\na\nd\n"
    assert run(sh, "tr a-z A-Z < cols; echo hello | tr -d l; echo aaabbb | tr -s ab; echo abc | tr abc xy; "
                   "echo 'a b' | tr '[:lower:]' '[:upper:]'")[0] == \
        "A:B:C\nD:E:F\nNOCOLON\nheo\nab\nxyy\nA B\n"
    assert run(sh, "seq 3; seq 2 4; seq 5 -2 1; seq -s, 3; seq 1 0.5 2; seq -w 8 10")[0] == \
        "1\n2\n3\n2\n3\n4\n5\n3\n1\n1,2,3\n1.0\n1.5\n2.0\n08\n09\n10\n"
    assert run(sh, "echo a b c | xargs -n 1 echo x; echo 1 2 | xargs echo; "
                   "printf 'a\\nb\\n' | xargs -I{} echo \"<{}>\"")[0] == "x a\nx b\nx c\n1 2\n<a>\n<b>\n"


def test_type_which_history(sh):
    assert run(sh, "type cd; type grep; type nosuch") == (
        "cd is a shell builtin\ngrep is /usr/bin/grep\n", "bash: type: nosuch: not found\n", 1)
    sh.run("echo one")
    assert run(sh, "history | tail -2")[0] == "    3  echo one\n    4  history | tail -2\n"


def test_sed_labels_branches_and_D_as_gnu_sed(sh):
    """: b t T and D (outputs captured from GNU sed 4.9)."""
    assert run(sh, "echo aaa | sed ':a; s/a/b/; ta'") == ("bbb\n", "", 0)
    assert run(sh, "printf '1\\n2\\n3\\n' | sed -n ':a;N;$!ba;s/\\n/,/g;p'") == ("1,2,3\n", "", 0)
    assert run(sh, "printf 'a\\nb\\nc\\n' | sed '$!N;P;D'") == ("a\nb\nc\n", "", 0)
    assert run(sh, "echo ab | sed 's/a/A/;T;s/b/B/'; echo ab | sed 's/x/A/;T;s/b/B/'")[0] == "AB\nab\n"
    assert run(sh, "echo ab | sed 's/a/A/;tx;s/b/B/;:x'")[0] == "Ab\n"
    # reading a line (n, N, a new cycle) clears the substitution flag t looks at
    assert run(sh, "printf 'a\\nb\\n' | sed -n 's/a/A/;n;tx;p;d;:x;s/^/T:/p'")[0] == "b\n"
    assert run(sh, "echo 'a b c' | sed ':a;s/ /_/;ta;s/_/-/'")[0] == "a-b_c\n"
    # a label ends at a blank, ; } or #: a branch may leave or enter a block
    assert run(sh, "echo x | sed '{:a;s/x/y/;ta}'; echo x | sed -n ':a b;p'; echo x | sed -n 'bx ;:x;p'")[0] == \
        "y\nx\n"
    assert run(sh, "printf '1\\n2\\n3\\n4\\n' | sed '/2/{:l;N;/4/!bl;s/\\n/+/g}'")[0] == "1\n2+3+4\n"
    assert run(sh, "printf '1234567\\n' | sed -e :a -e 's/\\(.*[0-9]\\)\\([0-9]\\{3\\}\\)/\\1,\\2/;ta'")[0] == \
        "1,234,567\n"
    assert run(sh, "echo x | sed 'bfoo'") == ("", "sed: can't find label for jump to `foo'\n", 4)
    assert run(sh, "echo x | sed ':'") == ("", 'sed: -e expression #1, char 1: ":" lacks a label\n', 1)
    assert run(sh, "echo x | sed '2:a'") == ("", "sed: -e expression #1, char 2: : doesn't want any addresses\n", 1)


def test_awk_loops_as_gawk_prints_them(sh):
    """while, do ... while, for (;;), break, continue and exit (outputs captured from gawk 5.2)."""
    assert run(sh, "awk 'BEGIN { i = 0; while (i < 3) { print i; i++ } }'") == ("0\n1\n2\n", "", 0)
    assert run(sh, "awk 'BEGIN { i = 5; do { print \"once\", i } while (i < 3) }'") == ("once 5\n", "", 0)
    assert run(sh, "awk 'BEGIN { for (i = 1; i <= 3; i++) printf \"%d \", i; print \"\" }'") == ("1 2 3 \n", "", 0)
    assert run(sh, "awk 'BEGIN { while (1) { n++; if (n == 2) continue; if (n > 4) break; print n } }'") == (
        "1\n3\n4\n", "", 0)
    assert run(sh, "awk 'BEGIN { print \"a\"; exit 3; print \"b\" } END { print \"end\" }'") == ("a\nend\n", "", 3)
    assert run(sh, "echo x | awk '{ for (;;) { k++; if (k > 2) exit } } END { print k }'") == ("3\n", "", 0)
    assert run(sh, "awk '{ n = 0; while (n < NF) { n++; s = s $n } } END { print s }' cols") == (
        "a:b:cd:e:fnocolon\n", "", 0)


def test_awk_subset(sh):
    assert run(sh, "awk '{print $1}' f.txt | head -3")[0] == "apple\nbanana\nApple\n"
    assert run(sh, "awk -F: '{print $2, $1}' cols; awk -F: '{print $NF}' cols")[0] == \
        "b a\ne d\n nocolon\nc\nf\nnocolon\n"
    assert run(sh, "awk 'NR>1 {print NR\": \"$0}' nums | head -2; awk 'NR==2' f.txt")[0] == \
        "2: 9\n3: 100\nbanana\n"
    assert run(sh, "awk '/an/ {c++} END {print c}' f.txt; awk '{s+=$1} END {print s, NR}' nums")[0] == \
        "3\n120.5 5\n"
    assert run(sh, "awk '$1 ~ /^b/ {print \"B:\" $1}' f.txt | uniq; awk '$1 !~ /a/' f.txt")[0] == \
        "B:banana\nApple pie\ncherry\n"
    assert run(sh, "awk -v x=5 '{print $1 * x}' nums | head -2; awk '{printf \"%-6s|%3d\\n\", $1, NR}' nums | head -1")[0] == \
        "50\n45\n10    |  1\n"
    assert run(sh, "awk '{ if ($1 > 9) print \"big\", $1; else print \"small\", $1 }' nums | head -2")[0] == \
        "big 10\nsmall 9\n"
    assert run(sh, "echo 'a b c' | awk '{$2=\"X\"; print; print NF}'")[0] == "a X c\n3\n"
    assert run(sh, "printf 'NAME READY\\nweb 1/1\\n' | awk 'NR>1{print $1}'")[0] == "web\n"
    assert run(sh, "awk '{print $1' f.txt")[2] == 1
