// Calls every operation of examples/basic through openapi-fetch, typed by the `paths` that
// openapi-typescript generates from its document (api.d.ts, made by tests/e2e/test_clients.py).
// It must pass `tsc --noEmit --strict`; compiled, it runs against the served example and
// prints one line when every answer is what its type says.
import createClient from "openapi-fetch";
import type { components, paths } from "./api";

type Schemas = components["schemas"];

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`unexpected answer: ${what}`);
}

export async function callEveryOperation(baseUrl: string): Promise<string> {
  const client = createClient<paths>({ baseUrl });

  const hello = await client.GET("/api/hello");
  const greeting: Schemas["Greeting"] | undefined = hello.data;
  expect(greeting?.message === "Hello World", "GET /api/hello");

  const users = await client.GET("/api/users");
  const names: string[] = (users.data ?? []).map((user) => user.name);
  expect(names[0] === "Ada Lovelace", "GET /api/users");

  const body: Schemas["UserIn"] = { name: "Grace", email: "grace@example.com" };
  const created = await client.POST("/api/users", { body });
  expect(created.response.status === 201, "POST /api/users");
  const id: number = created.data?.id ?? 0; // Status(201): the 201's schema is User
  const one = await client.GET("/api/users/{id}", { params: { path: { id } } });
  expect(one.data?.email === "grace@example.com", "GET /api/users/{id}");
  const renamed = await client.PUT("/api/users/{id}", {
    params: { path: { id } },
    body: { name: "Grace H.", email: "grace@example.com" },
  });
  expect(renamed.data?.name === "Grace H.", "PUT /api/users/{id}");
  const deleted = await client.DELETE("/api/users/{id}", { params: { path: { id } } });
  expect(deleted.response.status === 204, "DELETE /api/users/{id}");
  const invalid = await client.POST("/api/users", { body: { name: "", email: "nope" } });
  const issues: Schemas["InvalidInput"]["issues"] | undefined =
    invalid.error && "issues" in invalid.error ? invalid.error.issues : undefined;
  expect(invalid.response.status === 400 && issues?.length === 2, "POST /api/users, invalid");

  const found = await client.GET("/api/search", { params: { query: { q: "ada", limit: 5 } } });
  expect(found.data?.results.length === 1, "GET /api/search");

  const login = await client.POST("/api/login", { body: { email: "ada@example.com" } });
  expect(login.data?.user.id === 1, "POST /api/login");
  // NOTE: Node's fetch keeps no cookies: send the session cookie back as a browser would.
  const cookie = (login.response.headers.get("set-cookie") ?? "").split(";")[0];
  const me = await client.GET("/api/me", { headers: { cookie } });
  expect(me.data?.id === "1", "GET /api/me");
  const signedOut = await client.DELETE("/api/login");
  expect(signedOut.response.status === 204, "DELETE /api/login");

  const files = await client.GET("/api/files/{path}", { params: { path: { path: "readme.md" } } });
  expect(files.data?.fullPath === "readme.md", "GET /api/files/{path}");

  const clock = await client.GET("/api/clock", { params: { query: { count: 1 } }, parseAs: "text" });
  expect(String(clock.data).startsWith("event: tick"), "GET /api/clock");

  // The document leaves a multipart body undescribed: plain fetch, typed by the answer's schema.
  const form = new FormData();
  form.append("file", new Blob(["hello"]), "notes.txt");
  const upload = await fetch(`${baseUrl}/api/upload`, { method: "POST", body: form });
  const uploaded: Schemas["Uploaded"] = await upload.json();
  expect(uploaded.size === 5, "POST /api/upload");

  const legacy = await Promise.all([
    client.GET("/api/legacy/hello"),
    client.POST("/api/legacy/hello"),
    client.PUT("/api/legacy/hello"),
    client.PATCH("/api/legacy/hello"),
    client.DELETE("/api/legacy/hello"),
  ]);
  expect(legacy.every((answer) => answer.response.status === 200), "/api/legacy/hello");

  return "every call answered as typed";
}
