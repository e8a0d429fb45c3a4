// Coding a passage: selecting text inside a model turn fills that turn's form with the
// passage and its character offsets (the offsets index the turn's text as stored).
(function () {
  function offsetIn(container, node, offset) {
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT), total = 0, current;
    while ((current = walker.nextNode())) {
      if (current === node) { return total + offset; }
      total += current.textContent.length;
    }
    return null;
  }
  document.addEventListener("mouseup", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var start = range.startContainer.parentElement && range.startContainer.parentElement.closest(".turn-text");
    var end = range.endContainer.parentElement && range.endContainer.parentElement.closest(".turn-text");
    if (!start || start !== end) { return; }
    var a = offsetIn(start, range.startContainer, range.startOffset);
    var b = offsetIn(start, range.endContainer, range.endOffset);
    if (a === null || b === null || a === b) { return; }
    var form = document.querySelector('.code-form[data-turn="' + start.dataset.turn + '"]');
    if (!form) { return; }
    form.elements.span_start.value = Math.min(a, b);
    form.elements.span_end.value = Math.max(a, b);
    form.elements.quote.value = start.textContent.slice(Math.min(a, b), Math.max(a, b));
    form.elements.text.focus();
  });
})();
