package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PathPrefixTreeTest {

  @Test
  void keepsEveryPrefixThatStartsThePathAndRulesOutWhereThePrefixesPart() {
    PathPrefixTree tree =
        new PathPrefixTree(new String[] {"/other-0/", "/other-1/", "/pay/", "", "/pay/42", "/"});

    assertThat(bits(tree.narrow("/pay/42"))).containsExactly(2, 3, 4, 5);
    assertThat(bits(tree.narrow("/pay/7"))).containsExactly(2, 3, 5);
    assertThat(bits(tree.narrow("/other-1/x"))).containsExactly(1, 3, 5);
    assertThat(bits(tree.narrow("/search"))).containsExactly(3, 5);
    assertThat(bits(tree.narrow(""))).containsExactly(3);
  }

  @Test
  void rulesOutEveryPrefixWhereThePathPartsFromThem() {
    PathPrefixTree tree = new PathPrefixTree(new String[] {"/ab", "/ac"});

    assertThat(bits(tree.narrow("/ad"))).isEmpty();
    assertThat(bits(tree.narrow("/a"))).isEmpty();
    assertThat(bits(tree.narrow("/ac/x"))).containsExactly(1);
  }

  @Test
  void equalPrefixesAreKeptTogether() {
    PathPrefixTree tree = new PathPrefixTree(new String[] {"/pay/", "/pay/", "/p\u00e9/"});

    assertThat(bits(tree.narrow("/pay/1"))).containsExactly(0, 1);
    assertThat(bits(tree.narrow("/p\u00e9/1"))).containsExactly(2);
  }

  @Test
  void neverRulesOutAPrefixThatStartsThePath() {
    Random random = new Random(7);
    String alphabet = "/ab\u00e9";
    for (int round = 0; round < 2000; round++) {
      String[] prefixes = new String[1 + random.nextInt(PathPrefixTree.MAX_POLICIES)];
      for (int i = 0; i < prefixes.length; i++) {
        prefixes[i] = randomText(random, alphabet, 6);
      }
      PathPrefixTree tree = new PathPrefixTree(prefixes);
      String path = randomText(random, alphabet, 8);
      long kept = tree.narrow(path);
      for (int i = 0; i < prefixes.length; i++) {
        if (path.startsWith(prefixes[i])) {
          assertThat(kept & (1L << i)).as("%s in %s", prefixes[i], path).isNotZero();
        }
      }
    }
  }

  @Test
  void refusesMoreThanItsBitsHold() {
    assertThatThrownBy(() -> new PathPrefixTree(new String[PathPrefixTree.MAX_POLICIES + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 64");
  }

  private static String randomText(Random random, String alphabet, int maxLength) {
    StringBuilder text = new StringBuilder();
    for (int i = random.nextInt(maxLength + 1); i > 0; i--) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }

  private static int[] bits(long mask) {
    return java.util.stream.IntStream.range(0, 64).filter(i -> (mask & (1L << i)) != 0).toArray();
  }
}
