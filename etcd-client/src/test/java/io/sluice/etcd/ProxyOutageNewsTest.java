package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.etcd.ProxyOutageNews.ProxyCause;
import org.junit.jupiter.api.Test;

class ProxyOutageNewsTest {

  private static final ProxyCause BEHIND = new ProxyCause("the proxy's 502", null);

  @Test
  void unsaidNewsStaysNewsUntilSaid() {
    ProxyOutageNews news = new ProxyOutageNews();
    news.firstTold(new ProxyCause(null, null));

    assertThat(news.unsaid(BEHIND)).isEqualTo("the proxy's 502");
    assertThat(news.unsaid(BEHIND))
        .as("not yet said: a line that failed")
        .isEqualTo("the proxy's 502");

    news.said(BEHIND);
    assertThat(news.unsaid(BEHIND)).isNull();
    assertThat(news.news(BEHIND)).isNull();
  }

  @Test
  void newsIsCountedAsSaidAtOnce() {
    ProxyOutageNews news = new ProxyOutageNews();

    assertThat(news.news(BEHIND)).isEqualTo("the proxy's 502");
    assertThat(news.unsaid(BEHIND)).isNull();
  }
}
