using Campaigns.Domain.Calls;

namespace Campaigns.Domain.Tests.Calls;

public sealed class AttemptIdTests
{
    [Fact]
    public void ToString_IsDeterministicAndRoundTrips()
    {
        var id = new AttemptId("cmp_zUO7NvU3CNzfhM", 3, "+919876543210", 2);
        Assert.Equal("cmp_zUO7NvU3CNzfhM.3.919876543210.2", id.ToString());
        Assert.True(AttemptId.TryParse(id.ToString(), out var parsed));
        Assert.Equal(id, parsed);
    }

    [Fact]
    public void TryParse_ShardOfAListFedCampaignAndHundredthAttempt_RoundTrips()
    {
        var id = new AttemptId("cmp_zUO7NvU3CNzfhM", 255, "+12125550101", 100);
        Assert.True(AttemptId.TryParse(id.ToString(), out var parsed));
        Assert.Equal(id, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("cmp_x.1000.919876543210.1")]
    [InlineData("cmp_x.3.919876543210")]
    [InlineData("cmp_x.3.919876543210.0")]
    [InlineData("cmp_x.-1.919876543210.1")]
    [InlineData("cmp_x.3.91987654321a.1")]
    [InlineData("cmp_x'.3.919876543210.1")]
    [InlineData("cmp_x.3.919876543210.1.extra")]
    public void TryParse_Malformed_IsRefused(string text) => Assert.False(AttemptId.TryParse(text, out _));
}
