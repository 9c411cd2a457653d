"""State-machine rules of the feature profiles other than Core, one mixin per profile."""
