// The console's entry: sign-in with a bearer token, then a page per hash route.
import { api, setToken, token } from "./api.js";
import { showError } from "./ui.js";
import { vmList } from "./vm_list.js";
import { vmPage } from "./vm_page.js";
import { createPage } from "./create.js";
import { nodesPage } from "./nodes.js";
import { dataVolumesPage } from "./datavolumes.js";

const ROUTES = [
  [/^#\/vms(?:\/([^/]+))?$/, vmList],
  [/^#\/vm\/([^/]+)\/([^/]+)$/, vmPage],
  [/^#\/create$/, createPage],
  [/^#\/nodes$/, nodesPage],
  [/^#\/datavolumes(?:\/([^/]+))?$/, dataVolumesPage],
];

let current;

function route() {
  current?.abort();
  current = new AbortController();
  const view = document.getElementById("view");
  const hash = location.hash || "#/vms";
  for (const [pattern, page] of ROUTES) {
    const match = hash.match(pattern);
    if (match) {
      return page(
        view,
        current.signal,
        ...match.slice(1).map((v) => v && decodeURIComponent(v)),
      );
    }
  }
  view.textContent = `No page ${hash}`;
}

/** Who the token belongs to, as the API server says (SelfSubjectReview). */
async function whoAmI() {
  const review = await api("/apis/authentication.k8s.io/v1/selfsubjectreviews", {
    method: "POST",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  return review.status.userInfo.username;
}

async function signedIn() {
  try {
    const user = await whoAmI();
    document.getElementById("who").textContent = user;
    for (const id of ["nav", "signout"]) document.getElementById(id).hidden = false;
    document.getElementById("signin").hidden = true;
    showError(undefined);
    route();
  } catch (error) {
    setToken("");
    showError(error);
    showSignIn();
  }
}

function showSignIn() {
  current?.abort();
  document.getElementById("view").replaceChildren();
  for (const id of ["nav", "signout"]) document.getElementById(id).hidden = true;
  document.getElementById("who").textContent = "";
  document.getElementById("signin").hidden = false;
}

document.getElementById("signin").addEventListener("submit", (event) => {
  event.preventDefault();
  setToken(document.getElementById("token").value.trim());
  signedIn();
});
document.getElementById("signout").addEventListener("click", () => {
  setToken("");
  showSignIn();
});
addEventListener("hashchange", () => token() && route());
if (token()) signedIn();
else showSignIn();
