import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Ends a connection after an answer that says `Connection: close`, running nothing sent
/// behind it (RFC 9112 §9.6), and answers pipelined requests one at a time.
///
/// Hummingbird reads the next request of a connection as soon as a handler returns, and
/// closes only when the *request* asked to. A 413 or 408 is answered before its body is
/// read, with `Connection: close`; the requests a client pipelined behind it must not run.
/// So a request's parts are passed on only once the answer to the one before has ended
/// (the later ones are held, and the socket is not read meanwhile, so holding costs no
/// more than one read). After an answer with `Connection: close` the held parts are dropped,
/// everything read later is discarded, and the output is shut down once the answer is
/// written: the client reads the whole answer, and no reset destroys it. The connection
/// closes when the client closes its end, or after `linger`.
final class ConnectionCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long a closing connection waits for the client to close its end.
    let linger: TimeAmount
    /// A request has been passed on and its answer has not ended.
    private var answering = false
    /// An answer said `Connection: close`: nothing more is passed on.
    private var closing = false
    /// Parts of requests behind the one being answered.
    private var held = CircularBuffer<HTTPRequestPart>()
    /// A read was asked for while parts were held.
    private var readDeferred = false

    init(linger: TimeAmount = .seconds(2)) {
        self.linger = linger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let part = unwrapInboundIn(data)
        if !held.isEmpty || (answering && part.isHead) {
            held.append(part)
            return
        }
        if part.isHead { answering = true }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        // While parts are held, stop reading (a closing connection reads on, to discard).
        guard closing || held.isEmpty else {
            readDeferred = true
            return
        }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        switch part {
        case .head(let response):
            if let connection = response.headerFields[.connection], connection.lowercased().contains("close") {
                closing = true
                held.removeAll()
            }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            answering = false
            guard closing else {
                context.write(data, promise: promise)
                releaseHeld(context: context)
                return
            }
            context.writeAndFlush(data, promise: promise)
            context.close(mode: .output, promise: nil)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        }
    }

    /// Passes on the held parts up to (and with) the next request's head and body, then reads again.
    private func releaseHeld(context: ChannelHandlerContext) {
        var released = false
        while let part = held.first {
            if part.isHead {
                guard !answering else { break }
                answering = true
            }
            held.removeFirst()
            context.fireChannelRead(wrapInboundOut(part))
            released = true
        }
        // The async channel hands what it was given on at the end of a read.
        if released { context.fireChannelReadComplete() }
        if held.isEmpty, readDeferred {
            readDeferred = false
            context.read()
        }
    }
}

extension HTTPRequestPart {
    fileprivate var isHead: Bool {
        if case .head = self { return true }
        return false
    }
}
