// Starts GOV.UK Frontend's JavaScript (served as a module: no inline script is needed).
import { initAll } from "./govuk-frontend.min.js";

initAll();
