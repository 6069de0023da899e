// The small weight/bias editor of the network diagram: label, number input, "set"; Escape closes.

let counter = 0;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

/** A hidden editor inside `host` (which must be positioned). open({label, value, x, y, returnFocus, apply}). */
export function createWeightEditor(host) {
  const id = `nnp-weight-input-${++counter}`;
  const label = el('label', { htmlFor: id, className: 'nnp-editor-label' });
  const input = el('input', { id, type: 'number', step: 'any', className: 'nnp-editor-input', required: true });
  const set = el('button', { type: 'submit', className: 'nnp-editor-set', textContent: 'set' });
  const close = el('button', { type: 'button', className: 'nnp-editor-close', textContent: '×' });
  close.setAttribute('aria-label', 'close');
  const form = el('form', { className: 'nnp-editor-form' }, label, el('span', { className: 'nnp-editor-row' }, input, set, close));
  const box = el('div', { className: 'nnp-weight-editor', hidden: true }, form);
  box.setAttribute('role', 'dialog');
  host.append(box);
  let current = null;

  function hide(restore = true) {
    if (!current) return;
    const back = current.returnFocus;
    box.hidden = true;
    current = null;
    if (restore && back && back.isConnected) back.focus();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = input.valueAsNumber;
    if (!Number.isFinite(value) || !current) return;
    const apply = current.apply;
    hide();
    apply(value);
  });
  close.addEventListener('click', () => hide());
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); hide(); }
  });
  // a press anywhere else closes it (without stealing focus back)
  document.addEventListener('pointerdown', (e) => { if (current && !box.contains(e.target)) hide(false); }, true);

  return {
    open({ label: text, value, x, y, returnFocus, apply }) {
      current = { returnFocus, apply };
      label.textContent = text;
      box.setAttribute('aria-label', text);
      input.value = Number.isFinite(value) ? String(+value.toFixed(4)) : '';
      box.hidden = false;
      const w = box.offsetWidth;
      const h = box.offsetHeight;
      box.style.left = `${Math.max(4, Math.min(x + 8, host.clientWidth - w - 4))}px`;
      box.style.top = `${Math.max(4, Math.min(y + 8, host.clientHeight - h - 4))}px`;
      input.focus();
      input.select();
    },
    close: () => hide(),
    get isOpen() { return current !== null; },
  };
}
