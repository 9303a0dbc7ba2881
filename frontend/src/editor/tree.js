// One host's files as a collapsible tree, from the flat list the files
// endpoint gives ({path, dir, size, mtime} in path order).

/** {name, path, dir, children} nodes under "/" from the flat entries. */
export function buildTree(entries) {
  const root = { name: "/", path: "/", dir: true, children: [] };
  const byPath = new Map([["/", root]]);
  for (const entry of entries) {
    const cut = entry.path.lastIndexOf("/");
    const parentPath = cut === 0 ? "/" : entry.path.slice(0, cut);
    const parent = byPath.get(parentPath);
    if (!parent) continue;
    const node = { name: entry.path.slice(cut + 1), path: entry.path, dir: entry.dir, size: entry.size, children: [] };
    parent.children.push(node);
    if (entry.dir) byPath.set(entry.path, node);
  }
  const order = (a, b) => (a.dir === b.dir ? a.name.localeCompare(b.name) : a.dir ? -1 : 1);
  for (const node of byPath.values()) node.children.sort(order);
  return root;
}

export class FileTree {
  /** onOpen(path) when a file is clicked; `open` keeps which directories are expanded. */
  constructor(element, { onOpen }) {
    this.element = element;
    this.onOpen = onOpen;
    this.open = new Set(["/root"]);
    this.selected = "";
    this.root = null;
  }

  show(entries) {
    this.root = buildTree(entries);
    this.render();
  }

  select(path) {
    this.selected = path;
    // Open the directories down to it, so the file shows.
    for (let at = path.lastIndexOf("/"); at > 0; at = path.lastIndexOf("/", at - 1)) this.open.add(path.slice(0, at));
    this.render();
  }

  render() {
    if (!this.root) return;
    const list = document.createElement("ul");
    list.className = "file-tree";
    list.setAttribute("role", "tree");
    for (const child of this.root.children) list.append(this.item(child, 0));
    this.element.replaceChildren(list);
  }

  item(node, depth) {
    const li = document.createElement("li");
    li.setAttribute("role", "treeitem");
    const row = document.createElement("button");
    row.type = "button";
    row.className = `file-row ${node.dir ? "is-dir" : "is-file"}`;
    row.dataset.path = node.path;
    row.style.paddingLeft = `${0.4 + depth * 0.9}rem`;
    const expanded = node.dir && this.open.has(node.path);
    if (node.dir) li.setAttribute("aria-expanded", String(expanded));
    if (node.path === this.selected) row.classList.add("selected");
    row.textContent = node.name + (node.dir ? "/" : "");
    row.title = node.path;
    row.addEventListener("click", () => {
      if (node.dir) {
        if (this.open.has(node.path)) this.open.delete(node.path);
        else this.open.add(node.path);
        this.render();
      } else {
        this.onOpen(node.path);
      }
    });
    li.append(row);
    if (expanded && node.children.length) {
      const sub = document.createElement("ul");
      sub.setAttribute("role", "group");
      for (const child of node.children) sub.append(this.item(child, depth + 1));
      li.append(sub);
    }
    return li;
  }
}
