/// What a command came to.
enum Reply: Sendable {
    case configured
    case issued(IssuedTicket)
    case redeemed(RedeemReply)
    case swept(SweepReport)
    case forgot(ForgetReport)
}
