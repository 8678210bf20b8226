#include "IngressFixture.h"
#include "common/ColorScheme.h"
#include "common/StatusStyle.h"
#include "common/Translations.h"
#include "deliveries/DeliveriesView.h"
#include "deliveries/DeliveryDetailsPane.h"
#include "deliveries/DeliveryFilterBar.h"
#include "deliveries/DeliveryListModel.h"
#include "deliveries/DeliverySearchEdit.h"
#include "deliveries_view_log.h"
#include "main/MainWindow.h"
#include "store/WebhookStore.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QJsonObject>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QToolButton>
#include <QTreeWidget>

using namespace Alfe;
using StatusStyle::MinimumTextContrast;
using StatusStyle::Tone;

namespace {
const QList<Tone> AllTones{Tone::Neutral, Tone::Pending, Tone::Good,   Tone::Bad,
                           Tone::Muted,   Tone::Accent,  Tone::Special};
// Graphics (the status dots) need 3:1 against what is around them (WCAG 2.1, 1.4.11).
constexpr double MinimumGraphicContrast = 3.0;

QString describe(const QColor& foreground, const QColor& background)
{
    return QStringLiteral("%1 on %2: %3:1")
        .arg(foreground.name(QColor::HexArgb), background.name())
        .arg(StatusStyle::contrast(foreground, background), 0, 'f', 2);
}

// A mid-grey theme, where neither the light nor the dark shades read as they are.
QPalette midGreyPalette()
{
    QPalette palette(QColor(0x80, 0x80, 0x80));
    palette.setColor(QPalette::Window, QColor(0x80, 0x80, 0x80));
    palette.setColor(QPalette::WindowText, Qt::black);
    palette.setColor(QPalette::Base, QColor(0x8a, 0x8a, 0x8a));
    palette.setColor(QPalette::AlternateBase, QColor(0x84, 0x84, 0x84));
    palette.setColor(QPalette::Text, Qt::black);
    palette.setColor(QPalette::PlaceholderText, QColor(0x60, 0x60, 0x60));
    return palette;
}

QColor colourOf(const QVariant& value)
{
    return value.userType() == QMetaType::QBrush ? value.value<QBrush>().color() : value.value<QColor>();
}
} // namespace

// Light and dark, every colour the console picks itself — status text and dots from the models, muted notes,
// problem labels, the delivery's status in its title, JSON highlighting, the filter field's tint — reads on the
// background it is drawn on: 4.5:1 for text (WCAG AA), 3:1 for dots. The colours are read from the widgets and
// models after the application's palette changed, so a colour kept from the previous palette fails too.
class TestPalettes : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Test::IngressFixture> m_fx;
    std::unique_ptr<MainWindow> m_window;
    QString m_jsonDelivery;
    QStringList m_problems;

    void check(double ratio, double minimum, const QString& what)
    {
        if (ratio < minimum)
            m_problems << QStringLiteral("%1 (%2:1 < %3:1)").arg(what).arg(ratio, 0, 'f', 2).arg(minimum);
    }
    void checkText(const QColor& foreground, const QColor& background, const QString& what)
    {
        check(StatusStyle::contrast(foreground, background), MinimumTextContrast,
              what + QLatin1String(": ") + describe(foreground, background));
    }

    // Every foreground colour `view`'s model gives, on the view's rows (plain and alternate); the colours seen.
    QSet<QRgb> checkForegrounds(QAbstractItemView* view, const QString& what)
    {
        QSet<QRgb> seen;
        const QAbstractItemModel* model = view->model();
        const QPalette palette = view->palette();
        for (int r = 0; r < model->rowCount(); ++r) {
            for (int c = 0; c < model->columnCount(); ++c) {
                const QModelIndex index = model->index(r, c);
                const QVariant value = index.data(Qt::ForegroundRole);
                if (value.isValid()) {
                    const QColor colour = colourOf(value);
                    seen.insert(colour.rgba());
                    const QString where = QStringLiteral("%1 row %2 column %3").arg(what).arg(r).arg(c);
                    checkText(colour, palette.color(QPalette::Base), where);
                    checkText(colour, palette.color(QPalette::AlternateBase), where + QLatin1String(" (alternate)"));
                }
                const QVariant icon = index.data(Qt::DecorationRole);
                const QImage dot =
                    icon.userType() == QMetaType::QIcon ? icon.value<QIcon>().pixmap(16, 16).toImage() : QImage();
                if (!dot.isNull() && dot.pixelColor(8, 8).alpha() > 0) { // not a blank placeholder
                    check(StatusStyle::contrast(dot.pixelColor(8, 8), palette.color(QPalette::Base)),
                          MinimumGraphicContrast, QStringLiteral("%1 row %2 dot").arg(what).arg(r));
                }
            }
        }
        return seen;
    }

    // Every page of the deliveries (a filter change reads the first one again).
    bool loadAllDeliveries()
    {
        DeliveryListModel* model = m_window->findChild<DeliveriesView*>()->model();
        if (!QTest::qWaitFor([&] { return model->rowCount() > 0; }))
            return false;
        while (model->canFetchMore({})) {
            const int before = model->rowCount();
            model->fetchMore({});
            if (!QTest::qWaitFor([&] { return model->rowCount() > before; }))
                return false;
        }
        return true;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        Translations::install();
        m_fx = std::make_unique<Test::IngressFixture>();
        // Delivered, failed, duplicate and retrying rows, and their webhooks' failure counts.
        auto log = Bench::generateDeliveryLog(m_fx->engine(), 2000, m_fx->clock().nowMs());
        QVERIFY(log);
        QVERIFY(m_fx->engine().webhooks().setEnabled(log->webhookIds.at(1), false)); // a muted row
        // A JSON payload with keys, strings, numbers and keywords, through the ingress; and a refused request.
        QByteArray secret;
        const QString webhook = m_fx->createWebhook(Provider::Generic, &secret);
        const QByteArray body = R"({"type":"push","count":3,"ok":true,"next":null})";
        auto accepted = m_fx->http().postSigned(Test::IngressFixture::hookPath(webhook), body, secret,
                                                {{"Content-Type", "application/json"}});
        QCOMPARE(accepted.status, 202);
        m_jsonDelivery = accepted.json().value(QStringLiteral("deliveryId")).toString();
        QVERIFY(!m_jsonDelivery.isEmpty());
        auto refused = m_fx->http().post(Test::IngressFixture::hookPath(webhook), body,
                                         {{"Content-Type", "application/json"}, {"X-Alfe-Signature-256", "sha256=00"}});
        QCOMPARE(refused.status, 401);

        m_window = std::make_unique<MainWindow>(m_fx->engine());
        m_window->resize(1240, 720);
        m_window->show();
        m_window->showReady();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->tabs()->setCurrentIndex(MainWindow::RefusedTab); // it polls while shown
        QTRY_VERIFY(m_window->findChild<QTableView*>(QStringLiteral("refusedTable"))->model()->rowCount() > 0);
        m_window->tabs()->setCurrentIndex(MainWindow::DeliveriesTab);
        QTRY_VERIFY(m_window->findChild<QTableView*>(QStringLiteral("webhookTable"))->model()->rowCount() > 0);
    }
    void init() { m_problems.clear(); }
    void cleanupTestCase()
    {
        m_window.reset();
        m_fx.reset();
    }

    // The dark palette alfe-console --palette dark sets: every text colour reads on its background, the
    // selection and links included; and Fusion's light palette for its main pairs.
    void palettesReadThemselves()
    {
        const QPalette dark = ColorScheme::palette(ColorScheme::Scheme::Dark);
        QVERIFY(StatusStyle::isDark(dark) && StatusStyle::isDark(dark, QPalette::Window));
        const QList<QPair<QPalette::ColorRole, QPalette::ColorRole>> pairs{
            {QPalette::Text, QPalette::Base},
            {QPalette::Text, QPalette::AlternateBase},
            {QPalette::WindowText, QPalette::Window},
            {QPalette::ButtonText, QPalette::Button},
            {QPalette::ToolTipText, QPalette::ToolTipBase},
            {QPalette::HighlightedText, QPalette::Highlight},
            {QPalette::PlaceholderText, QPalette::Base},
            {QPalette::Link, QPalette::Base},
            {QPalette::Link, QPalette::Window},
            {QPalette::BrightText, QPalette::Window},
        };
        for (const auto& [text, ground] : pairs)
            checkText(dark.color(text), dark.color(ground), QStringLiteral("dark %1 on %2").arg(text).arg(ground));
        const QPalette light = ColorScheme::palette(ColorScheme::Scheme::Light);
        QVERIFY(!StatusStyle::isDark(light) && !StatusStyle::isDark(light, QPalette::Window));
        for (const auto& [text, ground] : pairs.mid(0, 4))
            checkText(light.color(text), light.color(ground), QStringLiteral("light %1 on %2").arg(text).arg(ground));
        QVERIFY2(m_problems.isEmpty(), qPrintable(m_problems.join(QLatin1Char('\n'))));
        QCOMPARE(ColorScheme::fromName(QStringLiteral("dark")), ColorScheme::Scheme::Dark);
        QCOMPARE(ColorScheme::fromName(QStringLiteral("light")), ColorScheme::Scheme::Light);
        QVERIFY(!ColorScheme::fromName(QStringLiteral("blue")));
    }

    // Each tone on a view's rows and on a window, for light, dark and an awkward mid-grey theme.
    void tonesRead_data()
    {
        QTest::addColumn<QPalette>("palette");
        QTest::newRow("light") << ColorScheme::palette(ColorScheme::Scheme::Light);
        QTest::newRow("dark") << ColorScheme::palette(ColorScheme::Scheme::Dark);
        QTest::newRow("mid-grey") << midGreyPalette();
    }
    void tonesRead()
    {
        QFETCH(QPalette, palette);
        for (const Tone tone : AllTones) {
            const QString name = QStringLiteral("tone %1").arg(int(tone));
            const QColor onBase = StatusStyle::color(tone, palette);
            checkText(onBase, palette.color(QPalette::Base), name + QLatin1String(" on Base"));
            checkText(onBase, palette.color(QPalette::AlternateBase), name + QLatin1String(" on AlternateBase"));
            checkText(StatusStyle::color(tone, palette, QPalette::Window), palette.color(QPalette::Window),
                      name + QLatin1String(" on Window"));
        }
        QVERIFY2(m_problems.isEmpty(), qPrintable(m_problems.join(QLatin1Char('\n'))));
        // Still told apart: good, bad and pending are not all pushed to the text colour.
        if (qstrcmp(QTest::currentDataTag(), "mid-grey") != 0) {
            QSet<QRgb> distinct;
            for (const Tone tone : {Tone::Good, Tone::Bad, Tone::Pending, Tone::Muted, Tone::Neutral})
                distinct.insert(StatusStyle::color(tone, palette).rgb());
            QCOMPARE(distinct.size(), 5);
        }
    }

    // The console itself, in the palette it started with, then light, then dark (alfe-console --palette).
    void consoleColoursRead_data()
    {
        QTest::addColumn<int>("scheme");
        QTest::newRow("platform") << int(ColorScheme::Scheme::System);
        QTest::newRow("light") << int(ColorScheme::Scheme::Light);
        QTest::newRow("dark") << int(ColorScheme::Scheme::Dark);
    }
    void consoleColoursRead()
    {
        QFETCH(int, scheme);
        ColorScheme::apply(ColorScheme::Scheme(scheme));
        QCoreApplication::processEvents();
        const QPalette palette = QApplication::palette();
        if (scheme == int(ColorScheme::Scheme::Dark))
            QVERIFY(StatusStyle::isDark(palette));

        // The models' status colours: the deliveries' four tones, the webhooks' failures and disabled rows, the
        // refused requests' codes.
        auto* deliveries = m_window->findChild<DeliveriesView*>();
        QVERIFY(loadAllDeliveries());
        const QSet<QRgb> statuses = checkForegrounds(deliveries->table(), QStringLiteral("deliveries"));
        for (const Tone tone : {Tone::Good, Tone::Bad, Tone::Muted, Tone::Pending})
            QVERIFY2(statuses.contains(StatusStyle::color(tone, palette).rgba()),
                     qPrintable(QString::number(int(tone))));
        QCOMPARE(checkForegrounds(m_window->findChild<QTableView*>(QStringLiteral("webhookTable")),
                                  QStringLiteral("webhooks"))
                     .size(),
                 2);
        QVERIFY(!checkForegrounds(m_window->findChild<QTableView*>(QStringLiteral("refusedTable")),
                                  QStringLiteral("refused"))
                     .isEmpty());
        checkForegrounds(m_window->findChild<QListView*>(QStringLiteral("agentList")), QStringLiteral("agents"));

        // A failed delivery's details: its status in the title and its attempts.
        DeliveryDetailsPane* pane = deliveries->detailsPane();
        for (int r = 0; r < deliveries->model()->rowCount(); ++r) {
            if (deliveries->model()->index(r, 0).data(DeliveryListModel::StatusRole).toString() == u"failed") {
                pane->showDelivery(deliveries->model()->index(r, 0).data(DeliveryListModel::IdRole).toString());
                break;
            }
        }
        QTRY_VERIFY(pane->delivery() && pane->delivery()->status == DeliveryStatus::Failed);
        auto* title = pane->findChild<QLabel*>(QStringLiteral("detailsTitle"));
        const auto colour = QRegularExpression(QStringLiteral("color:(#[0-9a-f]{6})")).match(title->text());
        QVERIFY2(colour.hasMatch(), qPrintable(title->text()));
        checkText(QColor(colour.captured(1)), title->palette().color(title->backgroundRole()),
                  QStringLiteral("the failed delivery's title"));
        QCOMPARE(QColor(colour.captured(1)), StatusStyle::color(Tone::Bad, palette, QPalette::Window));
        if (pane->attemptsList()->topLevelItemCount() > 0)
            checkForegrounds(pane->attemptsList(), QStringLiteral("attempts"));

        // The JSON payload's highlighting.
        pane->showDelivery(m_jsonDelivery);
        QTRY_COMPARE(pane->deliveryId(), m_jsonDelivery);
        QSet<QRgb> highlighted;
        const QColor base = pane->payloadView()->palette().color(QPalette::Base);
        for (QTextBlock block = pane->payloadView()->document()->begin(); block.isValid(); block = block.next()) {
            for (const QTextLayout::FormatRange& range : block.layout()->formats()) {
                highlighted.insert(range.format.foreground().color().rgba());
                checkText(range.format.foreground().color(), base, QStringLiteral("JSON highlighting"));
            }
        }
        QCOMPARE(highlighted.size(), 4); // keys, strings, numbers, keywords

        // Every label: the muted notes and placeholders included, on their own background.
        for (QLabel* label : m_window->findChildren<QLabel*>()) {
            checkText(label->palette().color(label->foregroundRole()), label->palette().color(label->backgroundRole()),
                      QStringLiteral("label %1 \"%2\"").arg(label->objectName(), label->text().left(40)));
        }
        checkText(palette.color(QPalette::Link), palette.color(QPalette::Window), QStringLiteral("the ingress link"));

        // A form's problem label.
        QWidget form;
        QLabel* problem = StatusStyle::problemLabel(&form, QStringLiteral("problem"));
        checkText(problem->palette().color(QPalette::WindowText), problem->palette().color(QPalette::Window),
                  QStringLiteral("a problem label"));

        // The filter field, tinted when what it holds is valid or not; the Failed button's dot.
        DeliveryFilterBar* filters = deliveries->filterBar();
        for (const QString& text : {QStringLiteral("dlv_"), QStringLiteral("whk_!")}) {
            filters->setText(text);
            DeliverySearchEdit* edit = filters->searchEdit();
            QVERIFY(edit->state() != DeliverySearchEdit::State::Empty);
            checkText(edit->palette().color(QPalette::Text), edit->palette().color(QPalette::Base),
                      QStringLiteral("the filter field holding %1").arg(text));
        }
        filters->clearFilters();
        const QImage dot = filters->failedButton()->icon().pixmap(16, 16).toImage();
        check(StatusStyle::contrast(dot.pixelColor(8, 8), palette.color(QPalette::Button)), MinimumGraphicContrast,
              QStringLiteral("the Failed button's dot"));
        QCOMPARE(dot.pixelColor(8, 8), StatusStyle::color(Tone::Bad, filters->palette()));

        QVERIFY2(m_problems.isEmpty(), qPrintable(m_problems.join(QLatin1Char('\n'))));
    }
};

QTEST_MAIN(TestPalettes)
#include "tst_palettes.moc"
