"""Client-side manifest decoding, against messages printed by the real kubectl v1.32.4.

Each expected message below was printed by /usr/bin/kubectl for the same
file, with `kubectl label --local -f FILE a=b -o name` (reads the file
exactly as create/apply do, without a server) or, for the validation
messages, `kubectl create -f FILE --dry-run=client -o name` (default
--validate=strict, which checks apiVersion/kind before contacting a server).
"""
from __future__ import annotations

import pytest

from lab.sim.api.decode import (
    DecodeError,
    Document,
    locate,
    parse_field_path,
    read_documents,
    split_documents,
)

H = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
P = "error: error parsing {f}: error converting YAML to JSON: yaml: "

# (file name, content, go-yaml part of kubectl's message, real 1-based line, column)
SYNTAX_CASES = [
    ("mapval.yaml", H + "  labels: a: b\n", "line 5: mapping values are not allowed in this context", 5, 12),
    ("first.yaml", "a: b: c\n", "mapping values are not allowed in this context", 1, 5),
    ("type.yaml", H + "spec:\n  type NodePort\n  ports:\n  - port: 80\n",
     "line 7: mapping values are not allowed in this context", 7, 8),
    ("colon.yaml", H + "data\n  a: b\n", "line 6: could not find expected ':'", 6, 4),
    ("list.yaml", "items:\n- a\n- b: c\n  d\n", "line 5: could not find expected ':'", 5, 1),
    # Parser errors: go-yaml prints the 0-based line, one less than the real one.
    ("key.yaml", H + "data:\n    a: b\n  c: d\n", "line 6: did not find expected key", 7, 3),
    ("seq.yaml", H + "spec:\n  ports:\n  - port: 80\n   - port: 81\n", "line 7: did not find expected key", 8, 4),
    ("seq2.yaml", H + "spec:\n  ports: 80\n  - port: 81\n", "line 6: did not find expected key", 7, 3),
    ("dash.yaml", "- a\nb: c\n", "line 1: did not find expected '-' indicator", 2, 1),
    ("flow.yaml", H + "data: {a: b\n", "line 5: did not find expected ',' or '}'", 6, 1),
    ("flowseq.yaml", H + "data: [a, b\n", "line 5: did not find expected ',' or ']'", 6, 1),
    ("tab.yaml", H + "data:\n\ta: b\n", "line 6: found character that cannot start any token", 6, 1),
    ("tab3.yaml", H + "spec:\n  ports:\n  -\tport: 80\n", "line 7: found character that cannot start any token", 7, 4),
    ("at.yaml", H + "data:\n  a: @x\n", "line 6: found character that cannot start any token", 6, 6),
    ("tabplain.yaml", H + "data:\n  a: b\n\tc\n", "line 7: found a tab character that violates indentation", 7, 1),
    ("dq.yaml", H + "data:\n  a: \"xyz\n", "line 7: found unexpected end of stream", 7, 1),
    ("sq.yaml", H + "data:\n  a: 'xyz\n", "line 7: found unexpected end of stream", 7, 1),
    ("esc.yaml", H + "data:\n  a: \"\\q\"\n", "line 6: found unknown escape character", 6, 7),
    ("anchor.yaml", H + "data:\n  a: &\n", "line 6: did not find expected alphabetic or numeric character", 6, 7),
    ("alias.yaml", H + "data:\n  a: *foo\n", "unknown anchor 'foo' referenced", 6, 6),
    ("directive.yaml", "%YAML 1.1\n" + H, "line 1: did not find expected <document start>", 2, 1),
    ("baddir.yaml", "%FOO 1.1\n" + H, "found unknown directive name", 1, 5),
    ("complex.yaml", H + "data:\n  ? [a]\n  : b\n", 'invalid map key: []interface {}{"a"}', 6, 5),
    ("ctrl.yaml", H + "data:\n  a: \x01\n", "control characters are not allowed", 6, 6),
]


@pytest.mark.parametrize("name,text,go_message,line,column", SYNTAX_CASES, ids=[c[0] for c in SYNTAX_CASES])
def test_syntax_errors_print_kubectls_message(name, text, go_message, line, column):
    with pytest.raises(DecodeError) as info:
        split_documents(text, name)
    err = info.value
    assert err.message == P.format(f=name) + go_message
    assert (err.line, err.column) == (line, column)
    assert err.fatal


def test_error_line_counts_from_the_document_start_and_earlier_documents_are_kept():
    text = H + "---\n" + H + "  labels: a: b\n"
    result = read_documents(text, "multi.yaml")
    assert [d.obj["metadata"]["name"] for d in result.documents] == ["x"]
    (err,) = result.errors
    # kubectl: "configmap/x" then this error (the second document's line 5).
    assert err.message == P.format(f="multi.yaml") + "line 5: mapping values are not allowed in this context"
    assert (err.line, err.column) == (10, 12)


def test_bad_document_separator_stops_before_any_object():
    result = read_documents(H + "--- foo\n" + H, "sep.yaml")
    assert result.documents == []
    assert [e.message for e in result.errors] == ["error: error parsing sep.yaml: invalid Yaml document separator: foo"]
    with pytest.raises(DecodeError) as info:
        split_documents(H + "----\n" + H, "sep.yaml")
    assert info.value.message == "error: error parsing sep.yaml: invalid Yaml document separator: -"


def test_infinite_and_nan_values_cannot_become_json():
    with pytest.raises(DecodeError) as info:
        split_documents(H + "data:\n  a: .inf\n", "q.yaml")
    assert info.value.message == "error: error parsing q.yaml: error converting YAML to JSON: json: unsupported value: +Inf"
    with pytest.raises(DecodeError) as info:
        split_documents(H + "data:\n  a: .nan\n", "q.yaml")
    assert info.value.message.endswith("json: unsupported value: NaN")


@pytest.mark.parametrize("text,message", [
    ('{"apiVersion": "v1", "kind": "ConfigMap",}\n',
     "json: offset 42: invalid character '}' looking for beginning of object key string"),
    ('{"apiVersion": "v1"\n"kind": "x"}\n', "json: offset 21: invalid character '\"' after object key:value pair"),
    ('{"apiVersion": "v1"\n', "unexpected EOF"),
])
def test_json_syntax_errors(text, message):
    with pytest.raises(DecodeError) as info:
        split_documents(text, "x.json")
    assert info.value.message == f"error: error parsing x.json: {message}"


def test_json_error_marks_the_offending_character():
    with pytest.raises(DecodeError) as info:
        split_documents('{"apiVersion": "v1"\n"kind": "x"}\n', "x.json")
    assert (info.value.line, info.value.column) == (2, 1)


def test_json_stream_of_several_objects():
    text = ('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}\n'
            '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"},"data":{"n":"1"}}\n')
    result = read_documents(text, "x.json")
    assert [(d.obj["metadata"]["name"], d.index, d.start_line) for d in result.documents] == [("a", 0, 1), ("b", 1, 2)]


def test_validation_needs_api_version_and_kind():
    stop = "; if you choose to ignore these errors, turn validation off with --validate=false"
    cases = {
        "metadata:\n  name: x\n": "[apiVersion not set, kind not set]",
        "kind: Service\nmetadata:\n  name: x\n": "apiVersion not set",
        "apiVersion: v1\nmetadata:\n  name: x\n": "kind not set",
        "apiVersion: 5\nkind: true\n": "[apiVersion isn't string type, kind isn't string type]",
        "apiVersion: a/b/c\nkind: X\n": "unexpected GroupVersion string: a/b/c",
        "hello\n": "invalid object to validate",
        "- a\n": "invalid object to validate",
        "{}\n": "[apiVersion not set, kind not set]",
    }
    for text, problem in cases.items():
        with pytest.raises(DecodeError) as info:
            split_documents(text, "x.yaml")
        assert info.value.message == f'error: error validating "x.yaml": error validating data: {problem}{stop}'


def test_without_validation_a_missing_kind_fails_decoding_with_the_json_sent():
    text = 'apiVersion: v1\nmetadata:\n  name: x\n  labels:\n    b: "<x&y>"\n    a: 1.5\n'
    with pytest.raises(DecodeError) as info:
        split_documents(text, "nokind.yaml", validate=False)
    assert info.value.message == (
        'error: unable to decode "nokind.yaml": Object \'Kind\' is missing in '
        '\'{"apiVersion":"v1","metadata":{"labels":{"a":1.5,"b":"\\u003cx\\u0026y\\u003e"},"name":"x"}}\'')
    assert not info.value.fatal
    with pytest.raises(DecodeError) as info:
        split_documents("- a\n", "list.yaml", validate=False)
    assert info.value.message == ('error: unable to decode "list.yaml": json: cannot unmarshal array '
                                  'into Go value of type unstructured.detector')


def test_unknown_kind_is_a_resource_mapping_error_and_other_documents_go_on():
    text = ("apiVersion: v1\nkind: Servic\nmetadata:\n  name: web\n  namespace: prod\n---\n"
            "apiVersion: apps/v1beta2\nkind: Deployment\nmetadata:\n  name: nginx\n---\n" + H)
    result = read_documents(text, "x.yaml")
    assert [e.message for e in result.errors] == [
        'error: resource mapping not found for name: "web" namespace: "prod" from "x.yaml": '
        'no matches for kind "Servic" in version "v1"\nensure CRDs are installed first',
        'error: resource mapping not found for name: "nginx" namespace: "" from "x.yaml": '
        'no matches for kind "Deployment" in version "apps/v1beta2"\nensure CRDs are installed first',
    ]
    assert [e.line for e in result.errors] == [1, 7]
    assert [d.obj["kind"] for d in result.documents] == ["ConfigMap"]
    assert result.documents[0].index == 2 and result.documents[0].start_line == 12


def test_list_is_expanded_into_its_items():
    text = ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n"
            "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: b\n")
    docs = read_documents(text, "l.yaml").documents
    assert [(d.obj["kind"], d.item) for d in docs] == [("Service", 0), ("Deployment", 1)]
    assert split_documents(text, "l.yaml")[1]["metadata"]["name"] == "b"


def test_scalars_follow_go_yaml_v2_as_kubectl_prints_them():
    # kubectl label --local -f q.yaml foo=bar -o json printed exactly these values.
    text = H + ("data:\n  a: on\n  b: yes\n  c: 0777\n  d: 1e3\n  e: ~\n  f: 0x1F\n  g: 1_000\n"
                "  i: 2001-12-14\n  j: y\n  k: Off\n  1: one\n  true: t\n  l: 012\n  m: 0o12\n"
                "  n: 1.0\n  o: 12345678901234567890\n  p: \"80\"\n  q: 1:30\n  r: 1.5\n  s: !!str 80\n")
    (obj,) = split_documents(text, "q.yaml")
    assert obj["data"] == {
        "1": "one", "a": True, "b": True, "c": 511, "d": 1000, "e": None, "f": 31, "false": 1,
        "g": 1000, "i": "2001-12-14", "j": True, "k": False, "l": 10, "m": 10,
        "o": 12345678901234567000.0, "true": "t", "p": "80", "q": "1:30", "r": 1.5, "s": "80",
    }
    assert isinstance(obj["data"]["d"], int)


def test_duplicate_keys_keep_the_last_value_silently():
    # kubectl 1.32 prints no warning: go-yaml v2 (non-strict) keeps the last one.
    (obj,) = split_documents(H + 'data:\n  a: "1"\n  a: "2"\n', "dup.yaml")
    assert obj["data"] == {"a": "2"}


def test_empty_documents_are_skipped_and_merge_keys_work():
    text = "# header\n---\n---\nbase: &b\n  x: 1\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  <<: *b\n---\n"
    (doc,) = read_documents(text, "m.yaml").documents
    assert doc.obj["data"] == {"x": 1}
    assert (doc.index, doc.start_line) == (0, 4)


def test_document_dataclass_fields():
    (doc,) = read_documents("\ufeff" + H, "x.yaml").documents
    assert doc == Document({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}, "x.yaml", 0, 1)


SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  type: NodePort
  ports:
  - port: 80
    nodePort: 30080
  - name: https
    port: 443
"""


def test_locate_field_paths():
    assert locate(SERVICE, "spec.ports[0].nodePort") == (11, 5)
    assert locate(SERVICE, "spec.ports[1]") == (12, 5)
    assert locate(SERVICE, "spec.ports[1].nodePort") == (12, 5)  # deepest part that exists
    assert locate(SERVICE, "metadata.labels[app.kubernetes.io/name]") == (6, 5)
    assert locate(SERVICE, "spec.type") == (8, 3)
    text = "# c\n---\n" + SERVICE + "---\n" + SERVICE
    assert locate(text, "spec.type", index=1) == (17 + 7, 3)
    assert locate(text, "spec.type", index=5) is None
    assert locate('{"apiVersion": "v1",\n "spec": {"ports": [{"port": 80}]}}', "spec.ports[0].port") == (2, 22)


def test_parse_field_path():
    assert parse_field_path("spec.ports[0].nodePort") == ["spec", "ports", 0, "nodePort"]
    assert parse_field_path("metadata.labels[a.b/c]") == ["metadata", "labels", "a.b/c"]


def test_hundreds_of_decodes_run():
    texts = [SERVICE.replace("web", f"web{i}") for i in range(300)]
    names = [split_documents(t, "svc.yaml")[0]["metadata"]["name"] for t in texts]
    assert names[-1] == "web299" and len(set(names)) == 300


def test_crlf_files_split_and_number_lines_like_kubectl():
    # kubectl: "configmap/x" then the error, line 5 of the second document.
    text = ("apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x\r\n---\r\n"
            "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: z\r\n  labels: a: b\r\n")
    result = read_documents(text, "crlf.yaml")
    assert [d.obj["metadata"]["name"] for d in result.documents] == ["x"]
    assert [e.message for e in result.errors] == [
        P.format(f="crlf.yaml") + "line 5: mapping values are not allowed in this context"]
    assert result.errors[0].line == 10
