#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>

// alfe-console's command line: every option and its help text, and --help and --version answered before there
// is a QApplication.
struct ConsoleOptions final
{
    ConsoleOptions();
    Q_DISABLE_COPY_MOVE(ConsoleOptions)

    // The name, organisation and version --version prints and the settings are kept under.
    static void setIdentity();
    // --help (-h, -?) and --version (-v) answered with a QCoreApplication only, which needs no display (an
    // unpacked package's smoke test, a server over ssh); the process ends there. Returns when the command line
    // asks for something else, or does not parse without the options QApplication takes for itself (-platform,
    // -style...): the GUI's parser answers then, as before.
    static void answerWithoutDisplay(int argc, char* argv[]);

    QCommandLineParser parser;
    const QCommandLineOption dataDir;
    const QCommandLineOption database;
    const QCommandLineOption keyFile;
    const QCommandLineOption bind;
    const QCommandLineOption port;
    const QCommandLineOption tlsCert;
    const QCommandLineOption tlsKey;
    const QCommandLineOption server;
    const QCommandLineOption tokenFile;
    const QCommandLineOption caFile;
    const QCommandLineOption screenshot;
    const QCommandLineOption tab;
    const QCommandLineOption row;
    const QCommandLineOption palette;
};
