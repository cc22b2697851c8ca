// The JJF 1070-2005 sample size for the lot (Order 75 annex 4), as a hint while typing; the
// sentence comes from the hint's data-template.
(function () {
  const lot = document.getElementById("id_lot_size"), values = document.getElementById("id_values");
  const hint = document.getElementById("sample-hint");
  if (!lot || !values || !hint) return;
  const text = hint.dataset.template;
  function size(n) { if (n <= 10) return n; if (n <= 50) return 10; if (n <= 99) return 13; if (n <= 500) return 50; if (n <= 3200) return 80; return 125; }
  function update() {
    const n = parseInt(lot.value, 10), m = values.value.split(/[\s,，、;；]+/).filter(Boolean).length;
    hint.textContent = n > 0 ? text.replace("%(n)s", size(n)).replace("%(m)s", m) : "";
  }
  lot.addEventListener("input", update); values.addEventListener("input", update); update();
})();
