// A flame graph of outstanding allocations, drawn as SVG: the root at the bottom, callers below callees, each
// frame as wide as the bytes its stacks still hold. Input: [{frames: [root ... leaf], allocations, bytes}].
'use strict';
const Flame = (function () {
  const NS = 'http://www.w3.org/2000/svg';
  const ROW = 17;

  function build(stacks) {
    const root = { name: 'all', bytes: 0, allocations: 0, children: new Map() };
    for (const s of stacks) {
      let n = root;
      n.bytes += s.bytes; n.allocations += s.allocations;
      for (const f of s.frames) {
        let c = n.children.get(f);
        if (!c) { c = { name: f, bytes: 0, allocations: 0, children: new Map() }; n.children.set(f, c); }
        c.bytes += s.bytes; c.allocations += s.allocations;
        n = c;
      }
    }
    return root;
  }

  function depth(n) {
    let d = 0;
    for (const c of n.children.values()) d = Math.max(d, depth(c));
    return d + 1;
  }

  // Warm colours, stable per frame name so one function keeps its colour across refreshes.
  function colour(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return 'rgb(' + (205 + (h % 50)) + ',' + (80 + ((h >> 8) % 130)) + ',' + (40 + ((h >> 16) % 50)) + ')';
  }

  function human(b) {
    const u = ['B', 'KiB', 'MiB', 'GiB'];
    let i = 0; let x = b;
    while (x >= 1024 && i < u.length - 1) { x /= 1024; i++; }
    return (i === 0 ? x.toFixed(0) : x.toFixed(1)) + ' ' + u[i];
  }

  function render(container, stacks) {
    container.replaceChildren();
    if (!stacks || stacks.length === 0) return;
    const root = build(stacks);
    const width = Math.max(400, container.clientWidth || 1000);
    const rows = depth(root);
    const height = rows * ROW + 4;
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    const total = root.bytes || 1;
    (function draw(n, x, level) {
      const w = n.bytes / total * width;
      if (w < 0.5) return;
      const y = height - (level + 1) * ROW - 2;
      const g = document.createElementNS(NS, 'g');
      g.setAttribute('class', 'frame');
      const title = document.createElementNS(NS, 'title');
      title.textContent = n.name + ': ' + human(n.bytes) + ' in ' + n.allocations + ' allocations (' +
        (100 * n.bytes / total).toFixed(1) + '%)';
      const rect = document.createElementNS(NS, 'rect');
      rect.setAttribute('x', x.toFixed(2)); rect.setAttribute('y', String(y));
      rect.setAttribute('width', w.toFixed(2)); rect.setAttribute('height', String(ROW - 1));
      rect.setAttribute('fill', level === 0 ? '#c7ccd6' : colour(n.name));
      g.append(title, rect);
      if (w > 30) {
        const text = document.createElementNS(NS, 'text');
        text.setAttribute('x', (x + 3).toFixed(2)); text.setAttribute('y', String(y + ROW - 5));
        const chars = Math.floor((w - 6) / 6.6);
        text.textContent = n.name.length <= chars ? n.name : n.name.slice(0, Math.max(0, chars - 1)) + '\u2026';
        g.append(text);
      }
      svg.append(g);
      let cx = x;
      const kids = Array.from(n.children.values()).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      for (const c of kids) { draw(c, cx, level + 1); cx += c.bytes / total * width; }
    })(root, 0, 0);
    container.append(svg);
  }

  return { render: render, build: build };
})();
