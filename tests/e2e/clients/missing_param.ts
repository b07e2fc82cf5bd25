// Must NOT type-check: GET /api/users/{id} needs its `id` path param.
import createClient from "openapi-fetch";
import type { paths } from "./api";

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:3000" });
export const user = client.GET("/api/users/{id}", { params: { path: {} } });
