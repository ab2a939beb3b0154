// Progressive enhancement only: every page works without this file.
// Loaded as a module, so only browsers that GOV.UK Frontend supports run it.
import { initAll } from "../dist/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
