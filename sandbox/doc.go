// Package sandbox is an in-memory stand-in for the OroCommerce back-office
// JSON:API and its OAuth2 token endpoint.
//
// It is NOT OroCommerce. It exists so that orosync's end-to-end tests can run
// over real HTTP (httptest.NewServer(s.Handler())) and so that newcomers can
// try mappings with `orosync sandbox` without an Oro instance. Data lives in
// memory and is lost when the process exits.
//
// The stand-in copies the parts of Oro's behaviour a sync client trips over,
// not just the happy path:
//
//   - POST /oauth2-token with the client_credentials grant (form or JSON body,
//     client_secret_post or HTTP Basic), OAuth JSON errors, expiring opaque
//     tokens;
//   - 401 with an empty body for a missing, unknown or expired bearer token;
//   - exact content negotiation: a Content-Type with parameters gets 415, an
//     Accept without a usable JSON:API media type gets 406, and a GET without
//     a JSON:API Accept gets the flat "plain" format;
//   - JSON:API documents with string ids, 201 + Location on create, partial
//     PATCH where a to-many relationship replaces the set (and the owned
//     records left out, such as a product's names, are deleted), Oro's error
//     titles, pointers and several errors per answer, 405 with Allow and no
//     body for disabled actions;
//   - each action's form: fields it does not have (a create-only password on
//     update, an unknown field) are "extra fields", fields it does not map
//     are ignored;
//   - listing with page[number]/page[size], sort, filter[f] and
//     filter[f][op] (only on allowed fields), comma lists only where Oro
//     allows them, id ranges, links.next, X-Include totalCount/noHateoas;
//   - meta.upsert only where Oro allows it, and `included` objects with
//     temporary ids and meta.includeId, or meta.update of an existing record;
//   - the Batch API (PATCH on a collection whose resource enables
//     update_list): 202 and an asyncoperations resource processed by an
//     emulated message queue in chunks, partial success with errors paged
//     at asyncoperations/{id}/errors under the request's pointers, or with
//     X-Mode: sync (6.0.4+) one all-or-nothing answer within the limits and
//     the wait timeout, else 202; each item validated exactly as a single
//     create or update (batch_*.go, operation*.go).
//
// Resources come from orosync's one table of Oro resources (package
// resources, which cites Oro's api.yml and entity code for every rule):
// attributes with their kind and whether they are required or read-only,
// relationships with their target type, filters, upsert keys and the enabled
// actions. Resource-specific rules (product SKU uniqueness, price currencies
// and units, address regions, ...) are small hooks attached by type
// (resources.go, domain.go).
//
// Test hooks (Stats, ExpireTokens, Records, Seed, Requests) let tests look
// inside the server. Fault injection makes it misbehave as the path to a real
// Oro does: InjectFault scripts faults (error statuses, proxies' HTML pages,
// 429 with Retry-After, connections dropped before or after processing,
// requests that hang, an HTML login page from the token endpoint), SetChaos
// injects them at random with a fixed seed, Down answers 503 to everything
// for a while, SetLatency slows every request, and Options.TokenTTL makes
// tokens expire early. For the Batch API, Options.Batch and
// SetConsumersDown keep operations "new" (busy or stopped consumers) or
// slow them, InjectBatchFault delays or crashes an operation, and
// SetAsyncOperationPermissions takes the permissions a batch needs. Stats
// counts the faults by kind and the batch requests and operations.
// Requests never records secrets.
package sandbox
