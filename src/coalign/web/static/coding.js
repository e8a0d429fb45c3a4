// Coding a passage: selecting text inside a model turn fills that turn's form with the
// passage and its character offsets (the offsets index the turn's text as stored).
(function () {
  function turnOf(node) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    return element ? element.closest(".turn-text") : null;
  }
  function offsetIn(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString().length;
  }
  document.addEventListener("mouseup", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var turn = turnOf(range.startContainer);
    if (!turn || turn !== turnOf(range.endContainer)) { return; }
    var a = offsetIn(turn, range.startContainer, range.startOffset);
    var b = offsetIn(turn, range.endContainer, range.endOffset);
    if (a === b) { return; }
    var form = document.querySelector('.code-form[data-turn="' + turn.dataset.turn + '"]');
    if (!form) { return; }
    form.elements.span_start.value = Math.min(a, b);
    form.elements.span_end.value = Math.max(a, b);
    form.elements.quote.value = turn.textContent.slice(Math.min(a, b), Math.max(a, b));
    form.elements.text.focus();
  });
})();
