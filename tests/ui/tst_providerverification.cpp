#include "IngressFixture.h"
#include "ModalDialogs.h"
#include "backend/LocalBackend.h"
#include "common/Translations.h"
#include "crypto/SignatureSchemes.h"
#include "deliveries/DeliveryDetailsPane.h"
#include "refused/RefusedRequestsModel.h"
#include "refused/RefusedRequestsView.h"
#include "store/DeliveryStore.h"
#include "webhooks/SendTestDialog.h"

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

using namespace Alfe;
using Alfe::Test::child;

namespace {
// A provider secret of each kind, as the provider would show it.
QByteArray providerSecretFor(Provider provider)
{
    switch (provider) {
    case Provider::Stripe:
    case Provider::Generic:
        return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    case Provider::Slack:
        return "8f742231b10e8888abcd99yyyzzz85a5";
    case Provider::GitHub:
        break;
    }
    return "my-own-github-secret";
}

} // namespace

// How the console shows provider-native verification, against the real ingress: Send test signs the sample the
// way the provider would and the ingress accepts it; the delivery says which scheme verified it; the refused
// view says why a request was refused.
class TestProviderVerification : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        Translations::install();
    }

    void sendTestSignsLikeTheProvider_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<bool>("imported");
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<QString>("shown");
        QTest::newRow("stripe") << "stripe" << true << "stripe"
                                << "Stripe-Signature (stripe)";
        QTest::newRow("slack") << "slack" << true << "slack"
                               << "X-Slack-Signature (slack)";
        QTest::newRow("github") << "github" << true << "github"
                                << "X-Hub-Signature-256 (github)";
        QTest::newRow("generic") << "generic" << true << "standard-webhooks"
                                 << "webhook-signature (standard-webhooks)";
        QTest::newRow("stripe, nothing imported") << "stripe" << false << "alfe"
                                                  << "X-Alfe-Signature-256";
        QTest::newRow("generic, nothing imported") << "generic" << false << "alfe"
                                                   << "X-Alfe-Signature-256";
    }
    // The real ingress accepts the test event, verified by the provider's own scheme when its secret is imported
    // (else by Alfe's); the dialog names the scheme, and so does the delivery's details pane.
    void sendTestSignsLikeTheProvider()
    {
        QFETCH(QString, provider);
        QFETCH(bool, imported);
        QFETCH(QString, scheme);
        QFETCH(QString, shown);
        Test::IngressFixture fx;
        const Provider kind = *providerFromName(provider);
        const QString id = fx.createWebhook(kind, nullptr);
        if (imported)
            QVERIFY(fx.engine().webhooks().setProviderSecret(id, providerSecretFor(kind)));

        LocalBackend dialogBackend(fx.engine());
        SendTestDialog dialog(dialogBackend, fx.engine().webhooks().get(id).value());
        dialog.show();
        QSignalSpy sent(&dialog, &SendTestDialog::sent);
        QTest::mouseClick(child<QPushButton>(&dialog, "sendButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(sent.size(), 1, 10000);
        const QString result = child<QLabel>(&dialog, "resultLabel")->text();
        QVERIFY2(sent.first().at(0).toInt() == 202, qPrintable(result));
        QVERIFY2(result.contains(QStringLiteral("Signed with %1.").arg(shown)), qPrintable(result));
        const QString deliveryId = sent.first().at(1).toString();
        auto delivery = fx.engine().deliveries().get(deliveryId);
        QVERIFY(delivery);
        QCOMPARE(delivery->verifiedBy, scheme);

        LocalBackend paneBackend(fx.engine());
        DeliveryDetailsPane pane(paneBackend);
        pane.showDelivery(deliveryId);
        QCOMPARE(child<QLabel>(&pane, "verifiedByField")->text(), shown);
    }

    // A delivery stored before the scheme was recorded reads "—".
    void verifiedByIsADashWhenUnknown()
    {
        Test::IngressFixture fx;
        IncomingDelivery in;
        in.webhookId = fx.createWebhook(Provider::Generic, nullptr);
        in.contentType = QStringLiteral("application/json");
        in.body = "{\"old\":true}";
        const QString id = fx.engine().deliveries().insert(in)->deliveryId;
        LocalBackend paneBackend(fx.engine());
        DeliveryDetailsPane pane(paneBackend);
        pane.showDelivery(id);
        QCOMPARE(child<QLabel>(&pane, "verifiedByField")->text(), QStringLiteral("\u2014"));
    }

    // Why a request was refused, in words, in its own column and under the selected request: a Stripe request
    // with no signature, and one signed too long ago.
    void refusedViewShowsTheDetail()
    {
        Test::IngressFixture fx;
        const QString id = fx.createWebhook(Provider::Stripe, nullptr);
        const QByteArray secret = providerSecretFor(Provider::Stripe);
        QVERIFY(fx.engine().webhooks().setProviderSecret(id, secret));
        LocalBackend viewBackend(fx.engine());
        RefusedRequestsView view(viewBackend);
        view.setPollInterval(50);
        view.resize(1200, 600);
        view.show();

        const QByteArray body = R"({"id":"evt_1","type":"invoice.paid"})";
        auto unsigned_ =
            fx.http().post(Test::IngressFixture::hookPath(id), body, {{"Content-Type", "application/json"}});
        QCOMPARE(unsigned_.status, 401);
        QTRY_COMPARE(view.model()->rowCount(), 1);
        const QString missing = view.model()->index(0, RefusedRequestsModel::DetailColumn).data().toString();
        QVERIFY2(missing.startsWith(QLatin1String("no signature header for this provider (expected ")) &&
                     missing.contains(QLatin1String("Stripe-Signature")),
                 qPrintable(missing));

        // Signed with the right secret 412 s ago: outside the default tolerance of 300 s.
        const QList<QByteArray> own;
        const QList<QByteArray> provider{secret};
        const SchemeKeys keys{own, provider};
        const qint64 then = fx.clock().nowMs() - 412 * 1000;
        HeaderList headers = SignatureSchemes::senderScheme(Provider::Stripe, keys).sign(body, keys, then, {});
        headers << qMakePair(QByteArray("Content-Type"), QByteArray("application/json"));
        QCOMPARE(fx.http().post(Test::IngressFixture::hookPath(id), body, headers).status, 401);
        QTRY_COMPARE(view.model()->rowCount(), 2);
        const QString stale = view.model()->index(0, RefusedRequestsModel::DetailColumn).data().toString();
        QCOMPARE(stale, QStringLiteral("Stripe-Signature timestamp 412 s old (tolerance 300 s)"));
        QCOMPARE(view.model()->index(0, RefusedRequestsModel::DetailColumn).data(Qt::ToolTipRole).toString(), stale);
        QCOMPARE(view.model()->headerData(RefusedRequestsModel::DetailColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Detail"));

        view.table()->selectRow(0);
        QVERIFY2(view.summaryLabel()->text().contains(QStringLiteral("<b>Why:</b> ") + stale),
                 qPrintable(view.summaryLabel()->text()));
        view.table()->selectRow(1);
        QVERIFY2(view.summaryLabel()->text().contains(missing.toHtmlEscaped()),
                 qPrintable(view.summaryLabel()->text()));
    }
};

QTEST_MAIN(TestProviderVerification)
#include "tst_providerverification.moc"
