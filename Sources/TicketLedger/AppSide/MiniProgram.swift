/// The app's side of the login flow, without a server: the request that opens the login
/// mini program, and the reply the mini program hands back.
///
/// ```swift
/// let launch = MiniProgramLaunch(pool: pool, getPhone: true)
/// // WXLaunchMiniProgramReq: userName = launch.userName, path = launch.path
/// do {
///     let reply = try MiniProgramReply(parsing: extMsg)   // the query string WeChat hands back
///     sendToOwnServer(reply.ticket)
/// } catch {
///     show(error)   // a MiniProgramReplyError: failed, missingCode or missingTicket
/// }
/// ```
public enum MiniProgram {
    /// The login mini program's user name (its original id), for WeChat's launch request.
    public static let userName = "gh_a781a791e29e"
    /// The mini program's AppID, the one apps associate with.
    public static let appID = "wxa0435021fd7a3af2"
    /// The page the app opens.
    public static let pagePath = "/routers/explore"
}
