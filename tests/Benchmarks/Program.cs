// Benchmarks of the issues' speed targets. Each prints its figure next to a baseline measured in the same run.
// BENCH_SMOKE=1 runs each at a small size (./test.sh does, to prove they still run); it asserts no timing.
// A benchmark that errors ends the program with a non-zero exit code.
var connection = args[0];
var which = args.Length > 1 ? args[1..] : ["all"];
string[] known = ["all", "create", "get", "dispatch", "timers", "wakeup", "transactions", "idle", "relay", "upload-generate", "upload-raw", "upload-e2e", "upload-report", "events"];
if (which.FirstOrDefault(w => !known.Contains(w)) is { } unknown)
    throw new ArgumentException($"unknown benchmark '{unknown}'; known: {string.Join(", ", known)}");
bool Wants(string name) => which.Contains("all") || which.Contains(name);

if (Wants("create"))
    await ApiBenchmarks.CreateAsync(connection);
if (Wants("get"))
    await ApiBenchmarks.GetLatencyAsync(connection);
if (Wants("dispatch"))
    await EngineBenchmarks.DispatchAsync(connection);
if (Wants("timers"))
    await EngineBenchmarks.TimerLatenessAsync(connection);
if (Wants("wakeup"))
    await EngineBenchmarks.WakeUpCostAsync(connection);
if (Wants("transactions"))
    await EngineBenchmarks.TransactionsPerAttemptAsync(connection);
if (Wants("idle"))
    await IdleBenchmark.RunAsync(connection);
if (Wants("relay"))
    await RelayBenchmark.RunAsync(connection);
// The upload benchmark's phases (bench.sh upload runs them, each storage phase on a fresh emulator).
if (which.Contains("upload-generate"))
{
    UploadBenchmark.Reset();
    UploadBenchmark.Generate();
    UploadBenchmark.ParseOnly();
}
if (which.Contains("upload-raw"))
    await UploadBenchmark.RawWritesAsync(connection);
if (which.Contains("upload-e2e"))
    await UploadBenchmark.EndToEndAsync(connection);
if (which.Contains("upload-report"))
    UploadBenchmark.Report();
// The engine benchmarks, relay and events publish to the Service Bus test broker, which BenchBroker starts in a process of its own.
if (which.Contains("events"))
    await EventsBenchmark.RunAsync(connection, BenchBroker.ConnectionString);
