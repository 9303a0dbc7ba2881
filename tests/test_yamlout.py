"""-o yaml / -o json rendering; expected texts were printed by kubectl 1.32."""
from lab.sim.kubectl.yamlout import to_json, to_yaml, to_yaml_stream, list_object

SVC = '{"apiVersion": "v1", "kind": "Service", "metadata": {"creationTimestamp": "2024-05-01T10:00:00Z", "labels": {"app": "nginx", "app.kubernetes.io/name": "web"}, "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Service\\",\\"metadata\\":{\\"annotations\\":{},\\"name\\":\\"nginx\\",\\"namespace\\":\\"default\\"},\\"spec\\":{\\"ports\\":[{\\"port\\":80,\\"targetPort\\":8080}],\\"selector\\":{\\"app\\":\\"nginx\\"}}}\\n", "note": "a long description that goes on and on, well past the eighty column limit of the emitter so it folds"}, "name": "nginx", "namespace": "default", "resourceVersion": "1234", "uid": "0b6c4d7e-1111-2222-3333-444455556666"}, "spec": {"clusterIP": "10.96.0.15", "clusterIPs": ["10.96.0.15"], "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}, {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": "metrics"}], "selector": {"app": "nginx"}, "sessionAffinity": "None", "type": "ClusterIP"}, "status": {"loadBalancer": {}}}'
CM = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "odd", "namespace": "default", "annotations": {}}, "data": {"port": "80", "flag": "true", "empty": "", "nothing": "null", "when": "2024-01-01T00:00:00Z", "colon": "a: b", "star": "*x", "time": "10:30", "script": "#!/bin/sh\\necho hi\\n", "keep": "x\\n\\n", "strip": "no newline\\nat end", "lead": "  indented\\nblock\\n", "quote": "it\'s", "tab": "a\\tb", "uni": "日本", "hash": "a #b", "list": "[1,2]", "octal": "017", "float": "1e3", "dash": "- x", "plain": "hello world"}, "binaryData": {}}'

import json

WANT_SVC_YAML = 'apiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"nginx","namespace":"default"},"spec":{"ports":[{"port":80,"targetPort":8080}],"selector":{"app":"nginx"}}}\n    note: a long description that goes on and on, well past the eighty column limit\n      of the emitter so it folds\n  creationTimestamp: "2024-05-01T10:00:00Z"\n  labels:\n    app: nginx\n    app.kubernetes.io/name: web\n  name: nginx\n  namespace: default\n  resourceVersion: "1234"\n  uid: 0b6c4d7e-1111-2222-3333-444455556666\nspec:\n  clusterIP: 10.96.0.15\n  clusterIPs:\n  - 10.96.0.15\n  internalTrafficPolicy: Cluster\n  ipFamilies:\n  - IPv4\n  ipFamilyPolicy: SingleStack\n  ports:\n  - name: http\n    port: 80\n    protocol: TCP\n    targetPort: 8080\n  - name: metrics\n    port: 9153\n    protocol: TCP\n    targetPort: metrics\n  selector:\n    app: nginx\n  sessionAffinity: None\n  type: ClusterIP\nstatus:\n  loadBalancer: {}\n'

def test_svc_yaml():
    assert to_yaml(json.loads(SVC)) == WANT_SVC_YAML

WANT_SVC_JSON = '{\n    "apiVersion": "v1",\n    "kind": "Service",\n    "metadata": {\n        "annotations": {\n            "kubectl.kubernetes.io/last-applied-configuration": "{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Service\\",\\"metadata\\":{\\"annotations\\":{},\\"name\\":\\"nginx\\",\\"namespace\\":\\"default\\"},\\"spec\\":{\\"ports\\":[{\\"port\\":80,\\"targetPort\\":8080}],\\"selector\\":{\\"app\\":\\"nginx\\"}}}\\n",\n            "note": "a long description that goes on and on, well past the eighty column limit of the emitter so it folds"\n        },\n        "creationTimestamp": "2024-05-01T10:00:00Z",\n        "labels": {\n            "app": "nginx",\n            "app.kubernetes.io/name": "web"\n        },\n        "name": "nginx",\n        "namespace": "default",\n        "resourceVersion": "1234",\n        "uid": "0b6c4d7e-1111-2222-3333-444455556666"\n    },\n    "spec": {\n        "clusterIP": "10.96.0.15",\n        "clusterIPs": [\n            "10.96.0.15"\n        ],\n        "internalTrafficPolicy": "Cluster",\n        "ipFamilies": [\n            "IPv4"\n        ],\n        "ipFamilyPolicy": "SingleStack",\n        "ports": [\n            {\n                "name": "http",\n                "port": 80,\n                "protocol": "TCP",\n                "targetPort": 8080\n            },\n            {\n                "name": "metrics",\n                "port": 9153,\n                "protocol": "TCP",\n                "targetPort": "metrics"\n            }\n        ],\n        "selector": {\n            "app": "nginx"\n        },\n        "sessionAffinity": "None",\n        "type": "ClusterIP"\n    },\n    "status": {\n        "loadBalancer": {}\n    }\n}\n'

def test_svc_json():
    assert to_json(json.loads(SVC)) == WANT_SVC_JSON

WANT_CM_YAML = 'apiVersion: v1\nbinaryData: {}\ndata:\n  colon: \'a: b\'\n  dash: \'- x\'\n  empty: ""\n  flag: "true"\n  float: "1e3"\n  hash: \'a #b\'\n  keep: |+\n    x\n\n  lead: |2\n      indented\n    block\n  list: \'[1,2]\'\n  nothing: "null"\n  octal: "017"\n  plain: hello world\n  port: "80"\n  quote: it\'s\n  script: |\n    #!/bin/sh\n    echo hi\n  star: \'*x\'\n  strip: |-\n    no newline\n    at end\n  tab: "a\\tb"\n  time: "10:30"\n  uni: 日本\n  when: "2024-01-01T00:00:00Z"\nkind: ConfigMap\nmetadata:\n  annotations: {}\n  name: odd\n  namespace: default\n'

def test_cm_yaml():
    assert to_yaml(json.loads(CM)) == WANT_CM_YAML

WANT_CM_JSON = '{\n    "apiVersion": "v1",\n    "binaryData": {},\n    "data": {\n        "colon": "a: b",\n        "dash": "- x",\n        "empty": "",\n        "flag": "true",\n        "float": "1e3",\n        "hash": "a #b",\n        "keep": "x\\n\\n",\n        "lead": "  indented\\nblock\\n",\n        "list": "[1,2]",\n        "nothing": "null",\n        "octal": "017",\n        "plain": "hello world",\n        "port": "80",\n        "quote": "it\'s",\n        "script": "#!/bin/sh\\necho hi\\n",\n        "star": "*x",\n        "strip": "no newline\\nat end",\n        "tab": "a\\tb",\n        "time": "10:30",\n        "uni": "日本",\n        "when": "2024-01-01T00:00:00Z"\n    },\n    "kind": "ConfigMap",\n    "metadata": {\n        "annotations": {},\n        "name": "odd",\n        "namespace": "default"\n    }\n}\n'

def test_cm_json():
    assert to_json(json.loads(CM)) == WANT_CM_JSON

def test_list_of_objects_yaml():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"b": "<html>&"}},
           "spec": {"containers": [{"name": "c", "image": "nginx", "args": [], "ports": [{"containerPort": 80}]}]}}
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}, "spec": {"finalizers": ["kubernetes"]}}
    assert to_yaml(list_object([pod, ns])) == (
        "apiVersion: v1\n"
        "items:\n"
        "- apiVersion: v1\n"
        "  kind: Pod\n"
        "  metadata:\n"
        "    labels:\n"
        "      b: <html>&\n"
        "    name: a\n"
        "  spec:\n"
        "    containers:\n"
        "    - args: []\n"
        "      image: nginx\n"
        "      name: c\n"
        "      ports:\n"
        "      - containerPort: 80\n"
        "- apiVersion: v1\n"
        "  kind: Namespace\n"
        "  metadata:\n"
        "    name: ns\n"
        "  spec:\n"
        "    finalizers:\n"
        "    - kubernetes\n"
        "kind: List\n"
        "metadata:\n"
        "  resourceVersion: \"\"\n"
    )


def test_list_json_and_html_escape():
    assert to_json(list_object([{"kind": "X", "a": "<b>&", "n": [1, 2.5, None, True], "e": {}, "l": []}])) == (
        '{\n'
        '    "apiVersion": "v1",\n'
        '    "items": [\n'
        '        {\n'
        '            "a": "\\u003cb\\u003e\\u0026",\n'
        '            "e": {},\n'
        '            "kind": "X",\n'
        '            "l": [],\n'
        '            "n": [\n'
        '                1,\n'
        '                2.5,\n'
        '                null,\n'
        '                true\n'
        '            ]\n'
        '        }\n'
        '    ],\n'
        '    "kind": "List",\n'
        '    "metadata": {\n'
        '        "resourceVersion": ""\n'
        '    }\n'
        '}\n'
    )


def test_scalar_quoting_rules():
    # each value as kubectl prints it under `k:` (checked against kubectl 1.32)
    cases = {
        "<<": "<<", "~": '"~"', "yes": '"yes"', "On": '"On"', "0x1F": '"0x1F"', ".5": '".5"',
        "1.2.3": "1.2.3", "8080:80": "8080:80", "1:20": '"1:20"', "a:b": "a:b", ":a": ":a",
        "? a": "'? a'", "-": "'-'", "-a": "-a", "---": "'---'", "@x": "'@x'", "a,b": "a,b",
        " a": "' a'", "a ": "'a '", "é": "é", "😀": '"\\U0001F600"', "\u00a0x": "\u00a0x",
        "2024-1-1": '"2024-1-1"', "2024-13-01": "2024-13-01", "v1.32": "v1.32",
        "say \"hi\"": "say \"hi\"", "a\\b": "a\\b", "'q": "'''q'",
    }
    for value, want in cases.items():
        assert to_yaml({"k": value}) == f"k: {want}\n", value


def test_numbers_and_empties():
    assert to_yaml({"a": 1, "b": 2.5, "c": 3.0, "d": 123456789.125, "e": 1e-7, "f": None, "g": {}, "h": [], "i": [[1, []], {}]}) == (
        "a: 1\nb: 2.5\nc: 3\nd: 1.23456789125e+08\ne: 1e-07\nf: null\ng: {}\nh: []\ni:\n- - 1\n  - []\n- {}\n"
    )
    assert to_json({"d": 123456789.125, "e": 1e-7, "f": 1e21, "g": 3.0}) == (
        '{\n    "d": 123456789.125,\n    "e": 1e-7,\n    "f": 1e+21,\n    "g": 3\n}\n'
    )


def test_key_order_is_go_yaml_natural_order():
    keys = ["a10", "a9", "a_", "a-b", "ab", "B", "_a", "app.kubernetes.io/name", "app", "80", "z"]
    assert to_yaml({k: 1 for k in keys}) == (
        '_a: 1\n"80": 1\nB: 1\na-b: 1\na_: 1\na9: 1\na10: 1\nab: 1\napp: 1\napp.kubernetes.io/name: 1\nz: 1\n'
    )


def test_long_strings_fold_at_80_columns():
    text = " ".join(["word"] * 30)
    assert to_yaml({"metadata": {"annotations": {"note": text}}}) == (
        "metadata:\n  annotations:\n"
        "    note: word word word word word word word word word word word word word word word\n"
        "      word word word word word word word word word word word word word word word\n"
    )


def test_yaml_stream_separator():
    assert to_yaml_stream([{"a": 1}, {"b": 2}]) == "a: 1\n---\nb: 2\n"


# printed by `kubectl create deployment nginx --image=nginx --port=80 --replicas=2 --dry-run=client -o json`
DRY_RUN_DEPLOYMENT = '{\n    "kind": "Deployment",\n    "apiVersion": "apps/v1",\n    "metadata": {\n        "name": "nginx",\n        "creationTimestamp": null,\n        "labels": {\n            "app": "nginx"\n        }\n    },\n    "spec": {\n        "replicas": 2,\n        "selector": {\n            "matchLabels": {\n                "app": "nginx"\n            }\n        },\n        "template": {\n            "metadata": {\n                "creationTimestamp": null,\n                "labels": {\n                    "app": "nginx"\n                }\n            },\n            "spec": {\n                "containers": [\n                    {\n                        "name": "nginx",\n                        "image": "nginx",\n                        "ports": [\n                            {\n                                "containerPort": 80\n                            }\n                        ],\n                        "resources": {}\n                    }\n                ]\n            }\n        },\n        "strategy": {}\n    },\n    "status": {}\n}\n'
# printed by `kubectl create service nodeport web --tcp=80:8080 --dry-run=client -o json`
DRY_RUN_SERVICE = '{\n    "kind": "Service",\n    "apiVersion": "v1",\n    "metadata": {\n        "name": "web",\n        "creationTimestamp": null,\n        "labels": {\n            "app": "web"\n        }\n    },\n    "spec": {\n        "ports": [\n            {\n                "name": "80-8080",\n                "protocol": "TCP",\n                "port": 80,\n                "targetPort": 8080\n            }\n        ],\n        "selector": {\n            "app": "web"\n        },\n        "type": "NodePort"\n    },\n    "status": {\n        "loadBalancer": {}\n    }\n}\n'


def test_typed_json_uses_go_struct_field_order():
    for text in (DRY_RUN_DEPLOYMENT, DRY_RUN_SERVICE):
        scrambled = json.loads(json.dumps(json.loads(text), sort_keys=True))
        assert to_json(scrambled, typed=True) == text
        assert to_json(scrambled) != text  # unstructured output sorts keys
