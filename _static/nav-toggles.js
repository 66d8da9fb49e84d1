/*
 * The sidebar buttons (☰ for the chapter list, and "contents" for this page's sections) do nothing out of
 * the box: the theme's scripts attach their click handlers to the *first* `.primary-toggle` and
 * `.secondary-toggle` in the page, which are copies in a header the book theme never shows. The buttons a
 * reader sees sit in the article header. Pass their clicks on to the hidden copies, so the theme's own code
 * runs: below 992 px it opens the chapter list (or the page contents) as a drawer; from 992 px on, ☰ hides
 * and shows the sidebar.
 */
(function () {
  "use strict";

  function forwardClicks(selector) {
    var handled = document.querySelector(selector); // the copy the theme listens to
    if (!handled) {
      return;
    }
    document.querySelectorAll(selector).forEach(function (button) {
      if (button === handled || button.dataset.navForwarded) {
        return;
      }
      button.dataset.navForwarded = "true";
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        handled.click();
        button.blur(); // let the tooltip go away
      });
    });
  }

  function setup() {
    forwardClicks(".primary-toggle");
    forwardClicks(".secondary-toggle");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
