"""ObjectMeta, label, annotation and generateName messages (apimachinery v1.32)."""
from lab.sim.api.defaults import apply_defaults
from lab.sim.api.validation import validate

SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
             "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation "
             "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


def pod(**meta):
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "default", **meta},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    apply_defaults(obj)
    return [str(e) for e in validate(obj)]


def test_name_required():
    assert pod() == ["metadata.name: Required value: name or generateName is required"]


def test_pod_name_subdomain():
    assert pod(name="My_Pod") == [f'metadata.name: Invalid value: "My_Pod": {SUBDOMAIN}']


def test_generate_name_trailing_dash_is_fine():
    assert pod(generateName="web-", name="web-x7k2p") == []


def test_generate_name_invalid():
    # maskTrailingDash drops two characters and appends "a" before checking: "Web-" -> "Wa".
    assert pod(generateName="Web-", name="web-x7k2p") == [f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN}']


def test_label_key_prefix():
    assert pod(name="p", labels={"Example.com/app": "x"}) == [
        "metadata.labels: Invalid value: \"Example.com/app\": prefix part " + SUBDOMAIN]


def test_label_key_too_many_slashes():
    assert pod(name="p", labels={"a/b/c": "x"}) == [
        "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, "
        "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
        "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional "
        "DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]


def test_label_value_too_long():
    value = "v" * 64
    assert pod(name="p", labels={"app": value}) == [
        f'metadata.labels: Invalid value: "{value}": must be no more than 63 characters']


def test_annotation_key_empty_name_part():
    assert pod(name="p", annotations={"example.com/": "x"}) == [
        'metadata.annotations: Invalid value: "example.com/": name part must be non-empty',
        "metadata.annotations: Invalid value: \"example.com/\": name part must consist of alphanumeric "
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
        "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]


def test_annotation_keys_are_case_insensitive():
    assert pod(name="p", annotations={"Example.COM/Key": "x"}) == []


def test_name_immutable_on_update():
    old = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "default"}}
    new = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "default"}}
    assert [str(e) for e in validate(new, old)] == ['metadata.name: Invalid value: "b": field is immutable']
