import "../shared/styles.css";
import "./recipient.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RecipientPage } from "./RecipientPage.tsx";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <RecipientPage token={new URLSearchParams(window.location.search).get("token")} />
  </StrictMode>,
);
