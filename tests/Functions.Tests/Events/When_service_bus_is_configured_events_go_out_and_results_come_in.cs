using Campaigns.Functions.Tests.ServiceBus;

namespace Campaigns.Functions.Tests.Events;

/// <summary>The app's events reach the test broker's topic, through the Service Bus SDK.</summary>
public sealed class When_events_go_to_the_test_broker(BrokerEventsApp app) : IClassFixture<BrokerEventsApp>
{
    [Fact]
    public Task A_campaign_run_arrives_in_stream_order_with_ids_subjects_and_properties() =>
        ServiceBusScenarios.EventsArriveInStreamOrderAsync(app, TestServiceBus.Broker);
}

/// <summary>Call results come in from the test broker's queue, through the Service Bus SDK, settled by the inbox.</summary>
public sealed class When_call_results_come_from_the_test_broker(BrokerResultsApp app) : IClassFixture<BrokerResultsApp>
{
    [Fact]
    public Task The_result_resolves_the_contact_and_a_redelivered_copy_or_an_http_callback_changes_nothing() =>
        ServiceBusScenarios.AResultIsRecordedOnceAsync(app, TestServiceBus.Broker);

    [Fact]
    public Task A_result_for_another_workspace_is_dead_lettered_and_the_call_stays_open() =>
        ServiceBusScenarios.AnotherWorkspacesResultIsDeadLetteredAsync(app, TestServiceBus.Broker);
}

/// <summary>
/// The same scenarios against a real Service Bus namespace, when <c>CAMPAIGNS_TEST_SERVICEBUS</c> holds its connection
/// string (skipped otherwise). The app is started inside each test, so a skipped test starts nothing.
/// </summary>
public sealed class When_service_bus_is_a_real_namespace
{
    [NamespaceFact]
    public Task A_campaign_run_arrives_in_stream_order_with_ids_subjects_and_properties() =>
        RunAsync(new EventsApp(TestServiceBus.Namespace.ConnectionString, TestServiceBus.AppTopic), ServiceBusScenarios.EventsArriveInStreamOrderAsync);

    [NamespaceFact]
    public Task The_result_resolves_the_contact_and_a_redelivered_copy_or_an_http_callback_changes_nothing() =>
        RunAsync(new ResultsApp(TestServiceBus.Namespace.ConnectionString, TestServiceBus.AppResultsQueue), ServiceBusScenarios.AResultIsRecordedOnceAsync);

    [NamespaceFact]
    public Task A_result_for_another_workspace_is_dead_lettered_and_the_call_stays_open() =>
        RunAsync(new ResultsApp(TestServiceBus.Namespace.ConnectionString, TestServiceBus.AppResultsQueue), ServiceBusScenarios.AnotherWorkspacesResultIsDeadLetteredAsync);

    private static async Task RunAsync<T>(T app, Func<T, TestServiceBus, Task> scenario) where T : Infrastructure.AppFixture
    {
        await app.InitializeAsync();
        try
        {
            await scenario(app, TestServiceBus.Namespace);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
