"""The bash subset: quoting, expansions, here-documents, control flow,
redirections and bash's syntax error messages. Expected texts were taken
from GNU bash 5.2."""
from __future__ import annotations

import pytest

from lab.sim.shell.session import ShellSession
from lab.sim.shell.testing import FakeWorld


@pytest.fixture
def sh():
    world = FakeWorld()
    fs = world.hosts["kube-node01"].fs
    fs.mkdir("/root/w")
    fs.write("/root/w/f.txt", "apple\nbanana\nApple pie\ncherry\nbanana\nbanana\n")
    fs.write("/root/w/cols", "a:b:c\nd:e:f\nnocolon\n")
    fs.mkdir("/root/w/sub")
    s = ShellSession(world, "kube-node01")
    s.run("cd /root/w")
    return s


def out(sh, line):
    r = sh.run(line)
    return r.stdout


def test_quoting_and_escapes(sh):
    assert out(sh, """echo a "b  c" 'd $e' \\$f""") == "a b  c d $e $f\n"
    assert out(sh, """echo "a'b" 'c"d' "x\\"y" "\\$HOME" "a\\\\b" 'a\\\\b' "a\\b\"""") == \
        "a'b c\"d x\"y $HOME a\\b a\\\\b a\\b\n"
    assert out(sh, "echo $'a\\tb\\x41\\n'c") == "a\tbA\nc\n"
    assert out(sh, "echo a; # comment\necho c#not") == "a\nc#not\n"


def test_word_splitting_of_unquoted_expansions(sh):
    assert out(sh, 'x="1  2"; echo $x "$x" ${x}') == "1 2 1  2 1 2\n"
    assert out(sh, "x='a*'; echo $x \"$x\"") == "a* a*\n"
    assert out(sh, 'IFS=: read a b c < cols; echo "$c $b $a"') == "c b a\n"
    assert out(sh, 'line="x:y"; IFS=:; set -- $line; echo $2 $1') == "y x\n"


def test_parameter_expansion_forms(sh):
    assert out(sh, "echo ${u:-def} ${u-x} ${#HOME} ${HOME#/} ${HOME%t} a${u:+set}b") == \
        "def x 5 root /roo ab\n"
    assert out(sh, "v=hello.tar.gz; echo ${v%.*} ${v%%.*} ${v#*.} ${v##*.} ${v/l/L} ${v//l/L} ${v:1:3}") == \
        "hello.tar hello tar.gz gz heLlo.tar.gz heLLo.tar.gz ell\n"
    assert out(sh, "x=1; x+=2; echo $x; unset x; echo ${x:=7} $x") == "12\n7 7\n"


def test_expansion_errors_abandon_the_line(sh):
    r = sh.run("echo ${x!}; echo next")
    assert (r.stdout, r.stderr, r.status) == ("", "bash: ${x!}: bad substitution\n", 1)
    r = sh.run("echo $((1/0)); echo next")
    assert (r.stdout, r.stderr, r.status) == ("", 'bash: 1/0: division by 0 (error token is "0")\n', 1)
    r = sh.run("echo ${nope:?is required}; echo after")
    assert (r.stdout, r.stderr, r.status) == ("", "bash: nope: is required\n", 1)


def test_arithmetic(sh):
    assert out(sh, "echo $(( 3 + 4 * 2 )) $(( (3+4)*2 )) $((10/3)) $((10%3)) $((-7/2)) "
                   "$((2**10)) $((1<2)) $((5>3 && 0))") == "11 14 3 1 -3 1024 1 0\n"


def test_command_substitution(sh):
    assert out(sh, "echo $(cat f.txt | grep banana | wc -l) lines; x=`echo a b`; echo \"[$x]\"") == \
        "3 lines\n[a b]\n"
    assert out(sh, 'echo "$(echo "nested $(echo deep)")"') == "nested deep\n"
    assert out(sh, 'echo $(echo a; echo b) "$(echo a; echo b)"') == "a b a\nb\n"
    assert out(sh, "echo `echo \\`echo inner\\``") == "inner\n"
    assert out(sh, "a=$(false); echo $?; b=$(true) c=$(false); echo $?") == "1\n1\n"


def test_tilde_and_globs(sh):
    assert out(sh, 'echo ~ ~/x "~" a~') == "/root /root/x ~ a~\n"
    sh.run("touch s1 svc.yaml")
    assert out(sh, "echo */ s*; echo *.txt; echo *.none") == "sub/ s1 sub svc.yaml\nf.txt\n*.none\n"


def test_heredoc_with_expansion_quoted_and_tab_stripping(sh):
    assert out(sh, "cat <<EOF\nhome=$HOME \\$x `echo bt` $(echo cs)\n  indented\nEOF") == \
        "home=/root $x bt cs\n  indented\n"
    assert out(sh, "cat <<'EOF'\nhome=$HOME \\$x\nEOF") == "home=$HOME \\$x\n"
    assert out(sh, "cat <<-EOF\n\ttabbed\n\t\ttwice\n\tEOF") == "tabbed\ntwice\n"


def test_heredoc_into_a_file_then_read_back(sh):
    r = sh.run("cat <<EOF > pod.yml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: $HOSTNAME\nEOF")
    assert (r.stdout, r.stderr, r.status) == ("", "", 0)
    assert sh.fs.read("/root/w/pod.yml") == "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-node01\n"
    assert out(sh, "wc -l < pod.yml") == "4\n"


def test_unterminated_heredoc_warns_and_runs(sh):
    r = sh.run("cat <<EOF\nline")
    assert r.stdout == "line\n"
    assert r.stderr == "bash: warning: here-document at line 1 delimited by end-of-file (wanted `EOF')\n"


def test_here_string(sh):
    assert out(sh, 'cat <<< "here string $HOME"') == "here string /root\n"


def test_and_or_status_and_negation(sh):
    assert out(sh, "echo one; false; echo $?; true && echo and; false || echo or; false && echo no; echo $?") == \
        "one\n1\nand\nor\n1\n"
    assert out(sh, "true; echo $?; ! true; echo $?; ! false; echo $?") == "0\n1\n0\n"


def test_loops_and_conditionals(sh):
    assert out(sh, "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done") == "0\n1\n2\n"
    assert out(sh, "for f in *.txt; do echo \"file $f\"; done; for x in a b; do for y in 1 2; do echo $x$y; done; done") == \
        "file f.txt\na1\na2\nb1\nb2\n"
    assert out(sh, "for x in 1 2 3 4; do if [ $x = 2 ]; then continue; fi; if [ $x = 4 ]; then break; fi; echo $x; done") == \
        "1\n3\n"
    assert out(sh, "if false; then echo a; elif true; then echo b; else echo c; fi") == "b\n"
    assert out(sh, "for i in 1 2\ndo\n  echo \"n$i\"\ndone") == "n1\nn2\n"
    assert out(sh, "while true; do echo once; break; done; until false; do echo u; break; done") == "once\nu\n"
    assert out(sh, "case abc in a*) echo starts;; *) echo other;; esac; case x in a|b) echo ab;; *) echo default;; esac") == \
        "starts\ndefault\n"


def test_read_loops_consume_stdin_line_by_line(sh):
    assert out(sh, 'while read a b; do echo "$b|$a"; done < cols') == "|a:b:c\n|d:e:f\n|nocolon\n"
    assert out(sh, 'printf \'a b c\\n\' | while read x y; do echo "$x/$y"; done') == "a/b c\n"


def test_functions_and_groups(sh):
    assert out(sh, 'f() { echo "in f $1 $#"; return 3; }; f a b; echo $?') == "in f a 2\n3\n"
    assert out(sh, "{ echo g1; echo g2; } > grp; cat grp; { echo x; } | tr x y") == "g1\ng2\ny\n"
    assert out(sh, "(cd sub; pwd); pwd") == "/root/w/sub\n/root/w\n"


def test_redirections(sh):
    r = sh.run("echo out; echo err >&2; echo both &> both.txt; cat both.txt")
    assert r.chunks == [("out", "out\n"), ("err", "err\n"), ("out", "both\n")]
    assert out(sh, "ls nofile > o.txt 2>&1; cat o.txt") == "ls: cannot access 'nofile': No such file or directory\n"
    r = sh.run("cat nofile 2>/dev/null; echo $?; cat nofile 2>&1 | tr a-z A-Z")
    assert (r.stdout, r.stderr) == ("1\nCAT: NOFILE: NO SUCH FILE OR DIRECTORY\n", "")
    assert out(sh, "echo a >> app; echo b >> app; cat app; echo c > app; cat app") == "a\nb\nc\n"
    assert out(sh, "for i in 1 2; do echo $i; done > loop.txt; cat loop.txt") == "1\n2\n"


def test_redirect_errors(sh):
    r = sh.run("echo x > nodir/x.yml")
    assert (r.stderr, r.status) == ("bash: nodir/x.yml: No such file or directory\n", 1)
    r = sh.run("echo a > sub; echo $?; cat < nofile; echo $?")
    assert r.stdout == "1\n1\n"
    assert r.stderr == "bash: sub: Is a directory\nbash: nofile: No such file or directory\n"


@pytest.mark.parametrize("line,token", [
    ("done", "done"),
    ("echo foo |; echo", ";"),
    ("if true; then fi", "fi"),
    ("echo (", "newline"),
    ("echo a && && echo b", "&&"),
    ("echo >", "newline"),
    ("for x in 1; do; done", ";"),
])
def test_syntax_errors(sh, line, token):
    r = sh.run(line)
    assert (r.stdout, r.stderr, r.status) == ("", f"bash: syntax error near unexpected token `{token}'\n", 2)


def test_unexpected_eof(sh):
    r = sh.run("echo 'a")
    assert r.stderr == ("bash: unexpected EOF while looking for matching `''\n"
                        "bash: syntax error: unexpected end of file\n")
    assert r.status == 2
    assert sh.run("for i in 1; do echo").stderr == "bash: syntax error: unexpected end of file\n"


def test_needs_more_for_continuation_prompt():
    assert ShellSession.needs_more("cat <<EOF > f.yml\nkind: Pod")
    assert not ShellSession.needs_more("cat <<EOF > f.yml\nkind: Pod\nEOF")
    assert ShellSession.needs_more("echo 'abc")
    assert ShellSession.needs_more("while true; do")
    assert ShellSession.needs_more("kubectl get pods |")
    assert not ShellSession.needs_more("echo done")
    assert not ShellSession.needs_more("done")  # a syntax error, reported by run()


def test_command_not_found_and_paths(sh):
    r = sh.run("nosuchcmd arg; echo $?")
    assert (r.stdout, r.stderr) == ("127\n", "bash: nosuchcmd: command not found\n")
    r = sh.run("./nope; echo $?")
    assert (r.stdout, r.stderr) == ("127\n", "bash: ./nope: No such file or directory\n")
    sh.run("printf 'echo from script $1\\n' > s.sh")
    assert sh.run("./s.sh").stderr == "bash: ./s.sh: Permission denied\n"
    assert out(sh, "chmod +x s.sh; ./s.sh arg; bash s.sh two; bash -c 'echo $HOME'") == \
        "from script arg\nfrom script two\n/root\n"


def test_alias_and_export_no_split(sh):
    assert out(sh, "alias ll='ls -l'; ll sub; alias") == "total 0\nalias ll='ls -l'\n"
    assert out(sh, 'export X=$(echo a b); echo "$X"; unset X; echo "[${X}]"') == "a b\n[]\n"
