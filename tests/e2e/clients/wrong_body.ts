// Must NOT type-check: `name` of UserIn is a string.
import createClient from "openapi-fetch";
import type { paths } from "./api";

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:3000" });
export const created = client.POST("/api/users", { body: { name: 42, email: "grace@example.com" } });
