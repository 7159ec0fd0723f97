/// The request that opens the login mini program: WeChat's `WXLaunchMiniProgramReq` takes
/// ``userName`` and ``path`` (the page with its query).
public struct MiniProgramLaunch: Sendable, Hashable {
    /// The user pool the login is for.
    public var pool: PoolID
    /// Whether to ask the user for the phone number (`getPhone=1`; otherwise `getPhone=0`).
    public var getPhone: Bool

    /// A launch request for `pool`.
    public init(pool: PoolID, getPhone: Bool = false) {
        self.pool = pool
        self.getPhone = getPhone
    }

    /// The mini program's user name, ``MiniProgram/userName``.
    public var userName: String { MiniProgram.userName }

    /// The query's fields in order: `userPoolId`, `getPhone`, and the required `fromApp=1`,
    /// `useSelfWxapp=0`.
    public var queryItems: [QueryItem] {
        [
            QueryItem(name: "userPoolId", value: pool.rawValue),
            QueryItem(name: "getPhone", value: getPhone ? "1" : "0"),
            QueryItem(name: "fromApp", value: "1"),
            QueryItem(name: "useSelfWxapp", value: "0"),
        ]
    }

    /// The percent-encoded query, e.g. `userPoolId=5f8e…&getPhone=1&fromApp=1&useSelfWxapp=0`.
    public var query: String { QueryItem.format(queryItems) }

    /// The page and its query, as the launch request's `path`:
    /// `/routers/explore?userPoolId=…&getPhone=…&fromApp=1&useSelfWxapp=0`.
    public var path: String { MiniProgram.pagePath + "?" + query }
}
