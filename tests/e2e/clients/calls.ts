// Calls every operation of examples/basic through openapi-fetch over the `paths` that
// openapi-typescript generates from its document (api.d.ts, made by tests/e2e/test_clients.py).
// It must type-check with `tsc --noEmit --strict`: a change to the document that breaks a call
// breaks the check.
import createClient from "openapi-fetch";
import type { paths, components } from "./api";

type User = components["schemas"]["User"];

export async function callEveryOperation(baseUrl: string): Promise<User[]> {
  const client = createClient<paths>({ baseUrl, credentials: "include" });
  const hello = await client.GET("/api/hello");
  const greeting: string | undefined = hello.data?.message;
  const users = await client.GET("/api/users");
  const created = await client.POST("/api/users", { body: { name: "Grace", email: "grace@example.com" } });
  const one = await client.GET("/api/users/{id}", { params: { path: { id: 1 } } });
  const name: string | undefined = one.data?.name;
  await client.PUT("/api/users/{id}", { params: { path: { id: 1 } }, body: { name: "Ada", email: "ada@example.com" } });
  await client.DELETE("/api/users/{id}", { params: { path: { id: 2 } } });
  const found = await client.GET("/api/search", { params: { query: { q: "ada", limit: 5 } } });
  const total: number | undefined = found.data?.results.length;
  const login = await client.POST("/api/login", { body: { email: "ada@example.com" } });
  const me = await client.GET("/api/me");
  const meId: string | undefined = me.data?.id;
  await client.DELETE("/api/login");
  const files = await client.GET("/api/files/{path}", { params: { path: { path: "a/b" } } });
  const fullPath: string | undefined = files.data?.fullPath;
  const clock = await client.GET("/api/clock", { params: { query: { count: 1 } }, parseAs: "text" });
  const form = new FormData();
  form.append("file", new Blob(["hello"]), "notes.txt");
  // The document leaves a multipart body undescribed: plain fetch, with the answer's type.
  const upload = await fetch(`${baseUrl}/api/upload`, { method: "POST", body: form });
  const uploaded: components["schemas"]["Uploaded"] = await upload.json();
  const size: number = uploaded.size;
  await client.GET("/api/legacy/hello");
  await client.POST("/api/legacy/hello");
  await client.PUT("/api/legacy/hello");
  await client.PATCH("/api/legacy/hello");
  await client.DELETE("/api/legacy/hello");
  console.log(greeting, name, total, meId, fullPath, size, clock.data, created.data, login.data);
  return users.data ?? [];
}
