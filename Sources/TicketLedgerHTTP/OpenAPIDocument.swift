/// The OpenAPI 3.1 document of the HTTP API, served at `GET /openapi.yaml`. The same text is
/// kept in the repository as `docs/openapi.yaml` (a test holds the two equal; edit both).
enum OpenAPIDocument {
    /// The document, YAML.
    static let yaml = #"""
openapi: 3.1.0
info:
  title: TicketLedger HTTP API
  version: 0.1.0
  summary: Single-use login tickets of the "mobile app opens the WeChat mini program" flow.
  description: |
    The mini program's backend issues a ticket (POST /tickets); the app's server exchanges it,
    once, for the user document and a signed token (POST /oauth/app2wxapp/auth/{userPoolId}).
    Every refusal is a JSON body {"code", "message"}. Served by `ticket-ledger serve` at
    GET /openapi.yaml; kept in the repository as docs/openapi.yaml.
  license:
    name: Apache-2.0
    identifier: Apache-2.0
servers:
  - url: http://127.0.0.1:8080
paths:
  /oauth/app2wxapp/auth/{userPoolId}:
    post:
      operationId: exchangeTicket
      summary: Exchange a ticket, once, for the user document and a token.
      description: |
        The ticket comes as the body field `ticket`, else `tickett`, else the query parameter
        `ticket` (first found wins). A body naming `ticket`, `tickett` or `secret` twice is
        refused as malformed. A second exchange of a ticket is 410 alreadyConsumed.
      parameters:
        - name: userPoolId
          in: path
          required: true
          schema: {$ref: '#/components/schemas/PoolID'}
        - name: ticket
          in: query
          required: false
          schema: {type: string}
      requestBody:
        required: false
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ExchangeRequest'}
      responses:
        '200':
          description: The user document with the token the server adds.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/ExchangeSuccess'}
        '400': {$ref: '#/components/responses/Malformed'}
        '401': {$ref: '#/components/responses/SecretRefused'}
        '404': {$ref: '#/components/responses/Unknown'}
        '408': {$ref: '#/components/responses/Timeout'}
        '410': {$ref: '#/components/responses/Gone'}
        '413': {$ref: '#/components/responses/TooLarge'}
        '500': {$ref: '#/components/responses/Internal'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /tickets:
    post:
      operationId: issueTicket
      summary: Issue a ticket (the mini program's backend).
      security:
        - issueKey: []
      parameters:
        - name: format
          in: query
          required: false
          description: '`query` (or `form`) answers in the app reply form `code=200&message=ok&ticket=…`.'
          schema: {type: string}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/IssueRequest'}
      responses:
        '200':
          description: The ticket, as JSON or in the app reply form.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/IssueSuccess'}
            application/x-www-form-urlencoded:
              schema: {type: string}
        '400': {$ref: '#/components/responses/IssueRefused'}
        '401': {$ref: '#/components/responses/IssueRefused'}
        '404': {$ref: '#/components/responses/IssueRefused'}
        '408': {$ref: '#/components/responses/IssueRefused'}
        '413': {$ref: '#/components/responses/IssueRefused'}
        '500': {$ref: '#/components/responses/IssueRefused'}
        '503': {$ref: '#/components/responses/IssueRefused'}
  /healthz:
    get:
      operationId: health
      summary: '`ok` while the store answers a read.'
      responses:
        '200':
          description: The store answers.
          content:
            text/plain:
              schema: {type: string, const: "ok\n"}
        '500': {$ref: '#/components/responses/Internal'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /metrics:
    get:
      operationId: metrics
      summary: Prometheus text of the server's and the ledger's metrics.
      description: 'With a metrics key configured, only `Authorization: Bearer <metrics key>` reads them.'
      responses:
        '200':
          description: Prometheus text exposition format 0.0.4.
          content:
            text/plain:
              schema: {type: string}
        '401':
          description: A metrics key is set and was not presented.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Failure'}
  /openapi.yaml:
    get:
      operationId: openAPIDocument
      summary: This document.
      responses:
        '200':
          description: The OpenAPI 3.1 document.
          content:
            application/yaml: {}
components:
  securitySchemes:
    issueKey:
      type: http
      scheme: bearer
      description: The server's issue key (`--issue-key` or TICKET_LEDGER_ISSUE_KEY).
  schemas:
    PoolID:
      type: string
      pattern: '^[A-Za-z0-9_-]{1,64}$'
      examples: [app1]
    ExchangeRequest:
      type: object
      properties:
        secret: {type: string, description: "The pool's secret (when the pool requires it)."}
        ticket: {type: string, description: 'The ticket, as issued: `tl1.` + 16 hex digits + `.` + 22 base64url characters.'}
        tickett: {type: string, description: 'The spelling of one published form of the product docs.'}
    IssueRequest:
      type: object
      required: [pool, user]
      properties:
        pool: {$ref: '#/components/schemas/PoolID'}
        user: {type: string, minLength: 1, maxLength: 128}
        ip: {type: string, description: 'IPv4 or IPv6 text of the end user.'}
        getPhone: {type: boolean, description: 'The user consented to share the phone number.'}
        profile:
          type: object
          properties:
            username: {type: string}
            nickname: {type: string}
            photo: {type: string}
            phone: {type: string}
            openid: {type: string}
            unionid: {type: string}
            oauth: {type: string}
            company: {type: string}
            metadata: {type: string}
            emailVerified: {type: boolean}
    IssueSuccess:
      type: object
      required: [code, message, ticket, issuedAt, expiresAt]
      properties:
        code: {type: integer, const: 200}
        message: {type: string, const: ok}
        ticket: {type: string}
        issuedAt: {type: string, description: 'ISO 8601 with milliseconds, UTC.'}
        expiresAt: {type: string, description: 'ISO 8601 with milliseconds, UTC.'}
    UserDocument:
      type: object
      required: [_id, username, nickname, company, photo, emailVerified, phone, openid, unionid, oauth,
                 registerMethod, blocked, isDeleted, metadata, loginsCount, lastLogin, lastIP, signedUp]
      properties:
        _id: {type: string}
        username: {type: string}
        nickname: {type: string}
        company: {type: string}
        photo: {type: string}
        emailVerified: {type: boolean}
        phone: {type: string, description: 'Masked, e.g. 176xxxx6754; "" without getPhone.'}
        openid: {type: string}
        unionid: {type: string}
        oauth: {type: string, description: 'The raw WeChat profile as a JSON string.'}
        registerMethod: {type: string, const: 'oauth:app2wxapp'}
        blocked: {type: boolean}
        isDeleted: {type: boolean}
        metadata: {type: string}
        loginsCount: {type: integer, minimum: 1}
        lastLogin: {type: string, description: 'ISO 8601 with milliseconds, UTC.'}
        lastIP: {type: string, description: 'e.g. ::ffff:192.168.0.106; "" when the ticket carried none.'}
        signedUp: {type: string, description: 'ISO 8601 with milliseconds, UTC.'}
    ExchangeSuccess:
      allOf:
        - {$ref: '#/components/schemas/UserDocument'}
        - type: object
          required: [token, tokenExpiredAt]
          properties:
            token:
              type: string
              description: |
                Compact JWS, HS256, header `kid`; claims `sub` (user id), `pool`, `iat`, `exp`
                and the product's `data: {id, unionid, clientId}` (clientId is the pool).
            tokenExpiredAt: {type: string, description: 'The token''s `exp`, ISO 8601 with milliseconds, UTC.'}
    Failure:
      type: object
      required: [code, message]
      properties:
        code:
          type: string
          enum: [malformed, invalidArgument, secretRequired, secretMismatch, unauthorized, unknown,
                 poolNotConfigured, timeout, alreadyConsumed, expired, tooLarge, internal, unavailable,
                 outcomeUnknown]
        message: {type: string}
  responses:
    Malformed:
      description: '`malformed`: the body is not a JSON object, a field has the wrong type, no ticket, a pool id or ticket that is not well formed.'
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Failure'}
    SecretRefused:
      description: '`secretRequired` or `secretMismatch`: the pool requires its secret and it was missing or wrong.'
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Failure'}
    Unknown:
      description: '`unknown`: no such ticket in this pool (also another pool''s ticket).'
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Failure'}
    Timeout:
      description: '`timeout`: the body did not arrive in time.'
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Failure'}
    Gone:
      description: '`alreadyConsumed` or `expired`.'
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Failure'}
    TooLarge:
      description: '`tooLarge`: the body is over the limit.'
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Failure'}
    Internal:
      description: '`internal`: the store failed; nothing was consumed.'
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Failure'}
    Unavailable:
      description: '`unavailable` (the server is stopping, or the store cannot be reached) or `outcomeUnknown`.'
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Failure'}
    IssueRefused:
      description: |
        `malformed`, `invalidArgument` (400), `unauthorized` (401), `poolNotConfigured` (404),
        `timeout` (408), `tooLarge` (413), `internal` (500), `unavailable` (503): JSON, or with
        `?format=query` the reply form `code=<status>&message=…`.
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Failure'}
        application/x-www-form-urlencoded:
          schema: {type: string}

"""#
}
