using Campaigns.Domain.Calls;
using Campaigns.Domain.Contacts;
using Campaigns.Functions.VoiceAgents;

namespace Campaigns.Functions.Tests.Egress;

/// <summary>
/// The HTTP voice agent in production, with <c>VoiceAgent__Url</c> naming a host the test's resolver answers: a private
/// answer fails the call at once (no repeat: it cannot help), and no socket is asked for; the engine records such an
/// attempt as failed, as it does any refusal.
/// </summary>
[Collection(EgressCollection.Name)]
public sealed class When_the_voice_agent_url_resolves_to_a_private_address_no_call_request_is_sent(EgressFixture app)
{
    private static CallRequest Call() => new(new AttemptId("cmp_egress01", 0, "12125550100", 1), "acct_egress", "scr_1", "en-US",
        new ContactSpec(PhoneNumber.Parse("+12125550100"), "Egress Test", null, new CustomFields([])));

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    public async Task The_call_fails_with_the_reason_before_any_socket_opens(string address)
    {
        app.Resolver.Answer("agent.provider.example", address);
        var connectsBefore = app.Connector.Attempts.Count;
        var lookupsBefore = app.Resolver.Lookups.Count;

        var refused = await Assert.ThrowsAsync<VoiceAgentException>(() => app.Service<HttpVoiceAgent>().PlaceCallAsync(Call(), CancellationToken.None));

        Assert.Contains($"agent.provider.example resolves to {address}", refused.Message);
        Assert.Equal(lookupsBefore + 1, app.Resolver.Lookups.Count); // refused once, not retried three times
        Assert.Equal(connectsBefore, app.Connector.Attempts.Count);
    }
}
