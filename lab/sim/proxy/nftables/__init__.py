"""kube-proxy's nftables mode (pkg/proxy/nftables of Kubernetes v1.32).

- `chains`: chain, set and map names (hashAndTruncate).
- `model`: the `ip kube-proxy` table as structured objects that render as
  `nft list table ip kube-proxy` prints them and as the `nft -f` transaction
  kube-proxy feeds.
- `evaluate`: walk a packet through the table's base chains.
- `proxier`: `NftablesBackend`, the Backend that builds the table from the digest.
"""
