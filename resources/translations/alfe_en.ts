<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>Alfe::AgentListModel</name>
    <message numerus="yes">
        <source>%n waiting</source>
        <translation>
            <numerusform>%n waiting</numerusform>
            <numerusform>%n waiting</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n deliveries waiting.</source>
        <translation>
            <numerusform>%n delivery waiting.</numerusform>
            <numerusform>%n deliveries waiting.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n agents</source>
        <translation>
            <numerusform>%n agent</numerusform>
            <numerusform>%n agents</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>All agents: %n agents.</source>
        <translation>
            <numerusform>All agents: %n agent.</numerusform>
            <numerusform>All agents: %n agents.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Alfe::DeliveriesView</name>
    <message numerus="yes">
        <source>Event types are being searched among the newest %Ln deliveries only.</source>
        <translation>
            <numerusform>Event types are being searched among the newest %Ln delivery only.</numerusform>
            <numerusform>Event types are being searched among the newest %Ln deliveries only.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Event types were searched among the newest %Ln deliveries only.</source>
        <translation>
            <numerusform>Event types were searched among the newest %Ln delivery only.</numerusform>
            <numerusform>Event types were searched among the newest %Ln deliveries only.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln deliveries shown · more load as you scroll</source>
        <translation>
            <numerusform>%Ln delivery shown · more load as you scroll</numerusform>
            <numerusform>%Ln deliveries shown · more load as you scroll</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln deliveries</source>
        <translation>
            <numerusform>%Ln delivery</numerusform>
            <numerusform>%Ln deliveries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %Ln deliveries again</source>
        <translation>
            <numerusform>Queued %Ln delivery again</numerusform>
            <numerusform>Queued %Ln deliveries again</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %L1 of %Ln failed deliveries again…</source>
        <translation>
            <numerusform>Queued %L1 of %Ln failed delivery again…</numerusform>
            <numerusform>Queued %L1 of %Ln failed deliveries again…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancelled after queuing %Ln failed deliveries again</source>
        <translation>
            <numerusform>Cancelled after queuing %Ln failed delivery again</numerusform>
            <numerusform>Cancelled after queuing %Ln failed deliveries again</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %Ln failed deliveries again</source>
        <translation>
            <numerusform>Queued %Ln failed delivery again</numerusform>
            <numerusform>Queued %Ln failed deliveries again</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Alfe::SecretDialog</name>
    <message numerus="yes">
        <source>Copy the secret; the clipboard is cleared after %n seconds if it still holds it</source>
        <translation>
            <numerusform>Copy the secret; the clipboard is cleared after %n second if it still holds it</numerusform>
            <numerusform>Copy the secret; the clipboard is cleared after %n seconds if it still holds it</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clipboard clears in %n seconds</source>
        <translation>
            <numerusform>Clipboard clears in %n second</numerusform>
            <numerusform>Clipboard clears in %n seconds</numerusform>
        </translation>
    </message>
</context>
</TS>
