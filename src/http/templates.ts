/**
 * /v1/templates — the receptionist templates shipped in machines/flows/: each
 * a complete definition with placeholder business data. POST
 * /v1/receptionists {"template": "<id>", "overrides": {…}} creates one from it.
 */
import { Elysia } from "elysia";
import { templateById, TEMPLATES, type ReceptionistTemplate } from "../../machines/flows/index.ts";
import { notFound } from "./errors.ts";
import { templateIdParams } from "./schemas/receptionists.ts";

const templateJson = (t: ReceptionistTemplate) => ({ id: t.id, name: t.name, description: t.description, definition: t.definition });

export function templatesRoutes() {
  return new Elysia({ name: "templates", prefix: "/v1/templates" })
    .get("", () => ({ templates: TEMPLATES.map(templateJson) }), {
      detail: { summary: "The receptionist templates: id, name, description and the full definition", tags: ["receptionists"] },
    })
    .get(
      "/:id",
      ({ params }) => {
        const found = templateById(params.id);
        if (!found) throw notFound("template", params.id);
        return templateJson(found);
      },
      { params: templateIdParams, detail: { summary: "One receptionist template", tags: ["receptionists"] } },
    );
}
