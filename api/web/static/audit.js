// the audit page's slider steps through the days something happened; letting go of it shows that
// day. A file of its own, not inline: the pages' Content-Security-Policy runs no inline script.
(function () {
  var slider = document.getElementById("slider"), field = document.getElementById("as_of");
  if (!slider || !field) { return; }
  var out = document.getElementById("slider-date"), dates = slider.dataset.dates.split(",");
  var zh = document.documentElement.lang === "zh-CN";
  function label(iso) { var p = iso.split("-"); return zh ? (+p[0]) + "年" + (+p[1]) + "月" + (+p[2]) + "日" : iso; }
  slider.addEventListener("input", function () {
    field.value = dates[slider.value]; out.textContent = label(field.value);
    slider.setAttribute("aria-valuetext", label(field.value));
  });
  slider.addEventListener("change", function () { document.getElementById("asof-form").submit(); });
})();
