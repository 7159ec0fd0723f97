import Foundation
import NIOHTTP1
import Testing
import TicketLedger
import TicketLedgerHTTP

/// The exchange's answer, as the product's clients decode it: every text field a `String`,
/// never `null`.
struct ProductUserDocument: Decodable, Equatable {
    var _id: String
    var username: String
    var nickname: String
    var company: String
    var photo: String
    var emailVerified: Bool
    var phone: String
    var openid: String
    var unionid: String
    var oauth: String
    var registerMethod: String
    var blocked: Bool
    var isDeleted: Bool
    var metadata: String
    var loginsCount: Int
    var lastLogin: String
    var lastIP: String
    var signedUp: String
    var token: String
    var tokenExpiredAt: String
}

@Suite("The exchange's document, as the product's clients decode it")
struct ProductDocumentTests {
    /// A sample answer in the shape the product documents (the fields of ../shared/DESIGN.md).
    static let sample = #"""
        {"_id":"5e4f6a7b8c9d0e1f2a3b4c5d","username":"","nickname":"Ann","company":"","photo":"https://wx.qlogo.cn/mmopen/vi_32/a/132",
         "emailVerified":false,"phone":"176xxxx6754","openid":"o1JEH5Kk7b1FsvP8mJFSeGrUUgYk","unionid":"oiPbDuG4S7msrKHPKDc8MECSe8jM",
         "oauth":"{\"nickName\":\"Ann\",\"gender\":2,\"language\":\"zh_CN\",\"city\":\"\",\"province\":\"\",\"country\":\"China\",\"avatarUrl\":\"https://wx.qlogo.cn/mmopen/vi_32/a/132\"}",
         "registerMethod":"oauth:app2wxapp","blocked":false,"isDeleted":false,"metadata":"","loginsCount":3,
         "lastLogin":"2020-02-18T06:46:34.000Z","lastIP":"::ffff:192.168.0.106","signedUp":"2020-02-17T09:12:01.000Z",
         "token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig","tokenExpiredAt":"2020-03-03T06:46:34.000Z"}
        """#

    @Test("the strict decoder reads the product's sample answer")
    func sampleDecodes() throws {
        let document = try JSONDecoder().decode(ProductUserDocument.self, from: Data(Self.sample.utf8))
        #expect(document.registerMethod == "oauth:app2wxapp")
        #expect(document.company == "")
    }

    @Test("a ticket issued with no profile and no IP is exchanged for a document the strict decoder reads: \"\" for every absent text")
    func absentFieldsAreEmptyStrings() async throws {
        try await LiveServer.with { server in
            let issued = try await server.send(
                .POST, "/tickets", body: #"{"pool":"app1","user":"bare"}"#, headers: [("Authorization", "Bearer \(issueKey)")])
            let ticket = try #require(issued.json["ticket"] as? String)
            let reply = try await server.exchange(ticket)
            #expect(reply.status == 200)
            let document = try JSONDecoder().decode(ProductUserDocument.self, from: Data(reply.body.utf8))
            #expect(document._id == "bare")
            for text in [document.username, document.nickname, document.company, document.photo, document.phone,
                         document.openid, document.unionid, document.oauth, document.metadata, document.lastIP] {
                #expect(text == "")
            }
            #expect(document.loginsCount == 1)
            #expect(!reply.body.contains("null"), "\(reply.body)")
        }
    }
}
