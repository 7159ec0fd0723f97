// A Hummingbird app that serves its own route and the ticket exchange on one port, with the
// sweeper and the ledger's shutdown in its own ServiceGroup:
//
//     export TICKET_LEDGER_ISSUE_KEY=$(openssl rand -hex 16) TICKET_LEDGER_TOKEN_KEY=$(openssl rand -hex 32)
//     swift run EmbeddedExchange ./store 8080
//
// It prints `listening on 127.0.0.1:PORT` on stderr once it listens (PORT 0 picks a free
// one) and stops on SIGTERM or SIGINT, closing the ledger last.
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TicketLedger
import TicketLedgerHTTP
import UnixSignals

/// The example app: its own `GET /hello` and the exchange's routes on one router and one port.
@main
struct EmbeddedExchange {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let environment = ProcessInfo.processInfo.environment
        guard arguments.count >= 2, let issueKey = environment["TICKET_LEDGER_ISSUE_KEY"],
              let tokenKey = environment["TICKET_LEDGER_TOKEN_KEY"] else {
            FileHandle.standardError.write(Data("usage: TICKET_LEDGER_ISSUE_KEY=… TICKET_LEDGER_TOKEN_KEY=… EmbeddedExchange STORE [PORT]\n".utf8))
            exit(2)
        }
        let port = arguments.count >= 3 ? Int(arguments[2]) ?? 8080 : 8080
        let logger = Logger(label: "embedded-exchange")

        // Opening reads the disk: the async form does it off the cooperative pool.
        let ledger = try await Ledger.open(at: arguments[1], create: true, logger: logger)

        let router = Router(context: AppRequestContext.self)
        router.get("/hello") { _, _ in "hello from the app\n" }   // the app's own route
        try TicketRoutes(ledger: ledger, configuration: .init(issueKey: issueKey, tokenKey: tokenKey), logger: logger)
            .add(to: router)                                       // the exchange and POST /tickets, same port

        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                FileHandle.standardError.write(Data("listening on 127.0.0.1:\(channel.localAddress?.port ?? 0)\n".utf8))
            },
            logger: logger)

        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: LedgerService(ledger: ledger)),  // first: it stops last, closing the ledger
                .init(service: app),
                .init(service: Sweeper(ledger: ledger, interval: .seconds(30), logger: logger), successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
