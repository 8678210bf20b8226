#pragma once

#include <QByteArray>
#include <QtGlobal>

// The providers' own published examples, shared by the unit tests of the schemes (tst_signatureschemes) and the
// interop tests through the ingress (tst_interop_providers).
namespace Alfe::Test::ProviderExamples {

// Slack: api.slack.com/authentication/verifying-requests-from-slack. The signature was checked independently with
// `printf 'v0:1531420618:<body>' | openssl dgst -sha256 -hmac 8f742231b10e8888abcd99yyyzzz85a5`.
inline const QByteArray SlackSecret = "8f742231b10e8888abcd99yyyzzz85a5";
inline const QByteArray SlackTimestamp = "1531420618";
inline const QByteArray SlackBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name="
    "foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks."
    "slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
inline const QByteArray SlackSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

// The Standard Webhooks specification's example (also what the npm standardwebhooks library signs).
inline const QByteArray StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
inline const QByteArray StandardId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
inline constexpr qint64 StandardTimestamp = 1614265330;
inline const QByteArray StandardBody = "{\"test\": 2432232314}";
inline const QByteArray StandardSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

} // namespace Alfe::Test::ProviderExamples
