/// Users read through an overlay, then the `users` database; writes go to the overlay.
struct OverlayUsers<Store: StoreSnapshot>: UserProjections {
    var overlay: UsersView.Overlay
    let tickets: Store

    func user(_ key: UserKey) throws -> UserState? {
        if let user = overlay.user(key) { return user }
        return try tickets.checkpointedUser(key)
    }

    mutating func setUser(_ state: UserState, for key: UserKey) throws {
        overlay.change(key, to: state)
    }
}
