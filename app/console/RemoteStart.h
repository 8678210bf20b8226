#pragma once

#include <QString>

class QCommandLineParser;

// `alfe-console --server URL [--token-file FILE] [--ca-file FILE]`: the console on a running `alfe serve`
// (SPEC §13) instead of a data directory. Returns the exit code; 2 for a bad option, with one line on stderr.
struct RemoteStartOptions
{
    QString server;
    QString tokenFile; // empty: the token the keychain keeps for the server (File → Connect to server…)
    QString caFile;
    QString screenshot; // save a picture of the window once it has settled, then quit
    int tab = -1;
    int row = -1; // select this row of the open tab's table (for screenshots of the details panes)
};

int runRemoteConsole(const RemoteStartOptions& options);
